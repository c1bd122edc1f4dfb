"""The HTTP/1.1 request handler: reads a request, applies a scripted fault, answers what the sandbox says.

Sources: no vendor shape of its own (HTTP/1.1 as both vendors speak it); the faults it applies (429, 5xx, dropped
or cut answers) are the failures the vendors' docs and issue threads report.
"""

from __future__ import annotations

import json
import socket
import struct
import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from airflow_provider_ccanalytics.testing.sandbox.config import Fault
from airflow_provider_ccanalytics.testing.sandbox.foreign import rewrite_links
from airflow_provider_ccanalytics.testing.sandbox.hostile import hostile_body

if TYPE_CHECKING:
    from airflow_provider_ccanalytics.testing.sandbox.routing import Router


def make_handler(sandbox: Router) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "ccanalytics-sandbox"

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read counters instead
            return

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            fault = sandbox._take_fault(self.command, parts.path)
            if sandbox.config.latency:
                time.sleep(sandbox.config.latency)
            if fault is not None and fault.truncate is not None:
                self._serve_cut(fault, parts, body)
                return
            if fault is not None and fault.echo_request:
                echoed = "".join(f"{name}: {value}\r\n" for name, value in self.headers.items())
                text = f"rejected request {self.command} {parts.path}\r\n{echoed}\r\n{body.decode(errors='replace')}"
                fault.body = {"error": "invalid_request", "error_description": text, "message": text}
            if fault is not None:
                if fault.delay:
                    time.sleep(fault.delay)
                if fault.drop:
                    with sandbox._lock:
                        sandbox.counters["dropped"] += 1
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault.redirect_to is not None:
                    self._redirect(fault, parts)
                    return
                if fault.hostile is not None:
                    self._hostile(fault)
                    return
                if fault.status is not None and fault.foreign_links is None:
                    if isinstance(fault.body, str):  # a raw body, e.g. a proxy's HTML page
                        payload, content_type = fault.body.encode(), "text/html; charset=utf-8"
                    else:
                        default = {"message": f"scripted fault {fault.status}", "status": fault.status}
                        payload, content_type = json.dumps(fault.body or default).encode(), "application/json"
                    with sandbox._lock:  # counted before the client can see the answer
                        sandbox.counters[f"fault {fault.status}"] += 1
                        if fault.status == 429:
                            sandbox.counters["429 sent"] += 1
                    self.send_response(fault.status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    if fault.retry_after is not None:
                        self.send_header("Retry-After", str(fault.retry_after))
                    if fault.retry_after_text is not None:
                        self.send_header("Retry-After", fault.retry_after_text)
                    self.end_headers()
                    self.wfile.write(payload)
                    return
            query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
            status, headers, data = sandbox.handle(self.command, parts.path, query, self.headers, body)
            if fault is not None and fault.foreign_links is not None:
                data = rewrite_links(data, fault.foreign_links)
                with sandbox._lock:
                    sandbox.counters["fault foreign links"] += 1
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data:
                self.wfile.write(data)

        def _hostile(self, fault: Fault) -> None:
            """A hostile body (:mod:`.hostile`), sent in chunks; a client that stops reading is not an error."""
            content_type, length, chunks = hostile_body(fault.hostile or "", fault.hostile_size)
            with sandbox._lock:
                sandbox.counters[f"fault hostile {fault.hostile}"] += 1
            self.send_response(fault.status or 200)
            self.send_header("Content-Type", content_type)
            if fault.short_body:  # no length announced: the body ends when the connection closes (RFC 9112 6.3)
                self.send_header("Connection", "close")
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(length))
            self.end_headers()
            try:
                for chunk in chunks:
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _redirect(self, fault: Fault, parts: Any) -> None:
            """A redirect (``fault.status``, default 307) to the same path on ``fault.redirect_to``."""
            location = f"{(fault.redirect_to or '').rstrip('/')}{parts.path}" + (
                f"?{parts.query}" if parts.query else ""
            )
            with sandbox._lock:
                sandbox.counters["fault redirect"] += 1
            self.send_response(fault.status if fault.status and 300 <= fault.status < 400 else 307)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _serve_cut(self, fault: Fault, parts: Any, body: bytes) -> None:
            """The real answer (it takes effect), its body cut short; then close or reset the connection."""
            query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
            status, headers, data = sandbox.handle(self.command, parts.path, query, self.headers, body)
            cut = data[: int(len(data) * (fault.truncate or 0.0))]
            with sandbox._lock:  # counted before the client can see the answer
                sandbox.counters["fault reset" if fault.reset else "fault truncated"] += 1
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(cut) if fault.short_body else len(data)))
            self.end_headers()
            self.wfile.write(cut)
            self.wfile.flush()
            self.close_connection = True
            if fault.reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif not fault.short_body:
                self.connection.shutdown(socket.SHUT_RDWR)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    return Handler
