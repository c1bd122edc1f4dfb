"""A host that is not the vendor's, and the faults that point a client at it.

Sources: HTTP/1.1 (RFC 9110 section 15.4: a 307/308 keeps the method, ``Location`` may name any host); the vendors'
absolute links a client follows: Genesys list bodies' ``nextUri`` (developer.genesys.cloud, "Pagination"), NICE's
report job ``resultFileURL`` and Data Extraction ``result.url`` (developer.niceincontact.com, Data Extraction API:
a pre-signed link valid about 30 s). A hostile or misconfigured proxy can rewrite any of them; this module lets a
test do so, and records what the other host was sent (to prove the bearer token never left the vendor).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

#: the JSON keys holding a link the client may follow (Genesys ``nextUri``, CXone ``resultFileURL`` and ``url``)
LINK_KEYS = ("nextUri", "resultFileURL", "url", "next")
#: the JSON keys holding a list of links (Genesys WFM ``downloadUrls``)
LINK_LIST_KEYS = ("downloadUrls",)


def rewrite_links(data: bytes, base: str) -> bytes:
    """``data`` (a JSON answer) with every followable link moved to the host of ``base``; other bodies as they are.

    :param base: e.g. ``http://127.0.0.2:8123``: the scheme and host the links get (path and query are kept).
    """
    try:
        body = json.loads(data)
    except ValueError:
        return data

    def move(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: _moved(item, base)
                if key in LINK_KEYS and isinstance(item, str)
                else [_moved(link, base) for link in item]
                if key in LINK_LIST_KEYS and isinstance(item, list)
                else move(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [move(item) for item in value]
        return value

    return json.dumps(move(body), separators=(",", ":")).encode()


def _moved(link: str, base: str) -> str:
    parts = urlsplit(link)
    path = parts.path if parts.netloc else link.split("?", 1)[0]
    query = f"?{parts.query}" if parts.query else ""
    return f"{base.rstrip('/')}{path}{query}"


class ForeignHost:
    """A tiny HTTP server on another loopback address or port that answers every request with plausible data
    (a JSON page with one record, or a CSV) and records the headers it was sent.

    :param host: the address to listen on (``127.0.0.2`` is another host to a client that checks host names).
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def authorizations(self) -> list[str]:
        """Every Authorization header this host was sent (the proof: empty)."""
        with self._lock:
            return [headers["authorization"] for _, _, headers in self.requests if "authorization" in headers]

    def start(self) -> ForeignHost:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ForeignHost:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        foreign = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with foreign._lock:
                    headers = {name.lower(): value for name, value in self.headers.items()}
                    foreign.requests.append((self.command, self.path, headers))
                if "csv" in self.path or "files" in self.path:
                    payload, kind = b"id,name\r\nforeign-1,planted\r\n", "text/csv"
                else:
                    page = {"entities": [{"id": "foreign-1", "name": "planted"}], "pageNumber": 2, "pageCount": 2}
                    payload, kind = json.dumps({**page, "id": "foreign-org"}).encode(), "application/json"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        return Handler
