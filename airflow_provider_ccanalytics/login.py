"""``ccanalytics-login``: the one-time interactive login for delegated access (authorization code + PKCE).

It prints (and opens) the vendor's authorize URL, receives the redirect on a callback server
on 127.0.0.1 (or takes the pasted redirect URL with ``--no-browser``), checks ``state``,
exchanges the code with the PKCE verifier, and saves the tokens to the token store (an
Airflow Variable per connection) so every worker can refresh from then on.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_ccanalytics.compat import AirflowNotFoundException, secrets_backend_names
from airflow_provider_ccanalytics.core.auth import Token
from airflow_provider_ccanalytics.core.errors import CcAnalyticsError, ConfigurationError

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
#: longest wait for one read from a client of the callback server (a browser's idle pre-connection sends nothing)
READ_TIMEOUT = 10.0


def _where_connections_are_looked_up(conn_id: str) -> str:
    """The places Airflow searched for ``conn_id``, in order, in words."""
    backends = secrets_backend_names()
    words = {
        "EnvironmentVariablesBackend": f"the environment variable AIRFLOW_CONN_{conn_id.upper()}",
        "MetastoreBackend": "the metadata database",
    }
    return ", ".join(words.get(name, f"the secrets backend {name}") for name in backends)


def hook_for(conn_id: str) -> Any:
    """The vendor hook for a connection, chosen by its type, wherever Airflow keeps the connection.

    :raises ConfigurationError: when the connection does not exist or is of another type.
    """
    from airflow.sdk import BaseHook

    from airflow_provider_ccanalytics.hooks.cxone import NiceCxoneHook
    from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook

    try:
        connection = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        raise ConfigurationError(
            "conn_id",
            f"no connection '{conn_id}': looked in {_where_connections_are_looked_up(conn_id)}. "
            "Check the id (airflow connections list), or create it in the UI or with 'airflow connections add'",
        ) from None
    conn_type = (connection.conn_type or "").replace("-", "_")
    hooks: dict[str, type[Any]] = {"genesys_cloud": GenesysCloudHook, "nice_cxone": NiceCxoneHook}
    if conn_type not in hooks:
        raise ConfigurationError(
            "conn_type",
            f"connection '{conn_id}' is of type '{conn_type}'; "
            "ccanalytics-login works with genesys_cloud and nice_cxone connections",
        )
    return hooks[conn_type](conn_id)


def _page(title: str, text: str) -> bytes:
    from html import escape

    return (
        f"<!doctype html><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<h1>{escape(title)}</h1><p>{escape(text)}</p><p>Return to the terminal.</p>"
    ).encode()


class CallbackServer:
    """A one-shot HTTP server at ``redirect_uri`` (loopback only), bound as soon as it is made.

    Each client gets its own thread and every read times out, so a client that connects and sends
    nothing delays nothing. The first request on the redirect path is finished by ``finish`` (check
    the state, exchange the code) and the page says whether the login worked.

    :param redirect_uri: e.g. ``http://127.0.0.1:8976/callback``.
    :param finish: turns the full redirect URL into tokens; raises CcAnalyticsError when it cannot.
    """

    def __init__(self, redirect_uri: str, finish: Callable[[str], Token]) -> None:
        parts = urlsplit(redirect_uri)
        if parts.hostname not in LOOPBACK_HOSTS or not parts.port:
            raise ConfigurationError(
                "redirect_uri",
                f"{redirect_uri} is not a loopback URL with a port; use --no-browser to paste the redirect URL instead",
            )
        self.redirect_uri = redirect_uri
        self.outcome: list[Token | CcAnalyticsError] = []
        self._done = threading.Event()
        path, origin, lock = parts.path or "/", f"{parts.scheme}://{parts.netloc}", threading.Lock()
        server = self

        class Callback(BaseHTTPRequestHandler):
            timeout = READ_TIMEOUT  # every read on the connection

            def do_GET(self) -> None:
                if urlsplit(self.path).path != path:
                    self.send_error(404)
                    return
                with lock:
                    if server._done.is_set():
                        self._answer(409, _page("Login already handled", "This login has already finished."))
                        return
                    try:
                        server.outcome.append(finish(f"{origin}{self.path}"))
                        self._answer(200, _page("Logged in", "ccanalytics-login received the tokens."))
                    except CcAnalyticsError as error:
                        server.outcome.append(error)
                        self._answer(400, _page("Login failed", str(error)))
                    server._done.set()

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        try:
            self.server = ThreadingHTTPServer((parts.hostname, parts.port), Callback)
        except OSError as error:
            in_use = error.errno in (errno.EADDRINUSE, errno.EACCES)
            raise ConfigurationError(
                "redirect_uri",
                f"cannot listen on {parts.hostname}:{parts.port} for {redirect_uri}"
                + (" (the port is in use or not allowed)" if in_use else f" ({error.strerror})")
                + ": stop what uses it, or register a redirect URI with another port on the OAuth client "
                "and set it in the connection's redirect_uri (or pass --redirect-uri)",
            ) from None
        self.server.daemon_threads = True
        self.server.timeout = 0.5

    def wait(self, timeout: float) -> Token:
        """The tokens of the first redirect; ConfigurationError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        try:
            while not self._done.is_set() and time.monotonic() < deadline:
                self.server.handle_request()  # accepts one client (its own thread) or returns after 0.5 s
            self._done.wait(max(0.0, min(1.0, deadline - time.monotonic())))
        finally:
            self.server.server_close()
        if not self.outcome:
            raise ConfigurationError("timeout", f"no redirect reached {self.redirect_uri} within {timeout:.0f} s")
        outcome = self.outcome[0]
        if isinstance(outcome, CcAnalyticsError):
            raise outcome
        return outcome


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ccanalytics-login", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conn-id", required=True, help="the Airflow connection (grant_type authorization_code)")
    parser.add_argument("--redirect-uri", help="overrides the connection's redirect_uri extra")
    parser.add_argument(
        "--no-browser",
        action="store_true",
        help="do not open a browser or listen; paste the URL you were redirected to",
    )
    parser.add_argument(
        "--print",
        dest="print_token",
        action="store_true",
        help="print the refresh token (to paste into the connection) instead of storing it",
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the redirect")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Like Airflow's own ``airflow connections get``: a CLI on the Airflow host also reads the metadata
    # database (a plain process would search only AIRFLOW_CONN_* and the configured secrets backends).
    os.environ["_AIRFLOW_PROCESS_CONTEXT"] = "server"
    try:
        hook = hook_for(args.conn_id)
        if hook.grant_type != "authorization_code":
            raise ConfigurationError(
                "grant_type",
                f"connection '{args.conn_id}' uses grant_type "
                f"'{hook.grant_type}'; set grant_type=authorization_code for delegated access",
            )
        request = hook.authorization_request(args.redirect_uri)

        def finish(redirect_url: str) -> Token:
            return request.exchange(hook.token_endpoint, hook.transport, request.code_from_redirect(redirect_url))

        print("Open this URL in a browser and log in:\n", flush=True)
        print(request.url(), flush=True)
        if args.no_browser:
            print("\nThen paste the full URL your browser was redirected to:", flush=True)
            token = finish(sys.stdin.readline().strip())
        else:
            callback = CallbackServer(request.redirect_uri, finish)  # listening before the browser can arrive
            print(f"\nWaiting for the redirect to {request.redirect_uri} ...", flush=True)
            threading.Thread(target=webbrowser.open, args=(request.url(),), daemon=True).start()
            token = callback.wait(args.timeout)
    except CcAnalyticsError as error:
        print(f"ccanalytics-login: {error}", file=sys.stderr)
        return 2
    if args.print_token:
        print("\nRefresh token (put it in the connection's 'refresh_token' extra):")
        print(token.refresh_token)
        return 0
    hook.token_store.save(hook.token_key, token)
    print(
        f"\nLogged in. Tokens for '{args.conn_id}' are in the token store "
        f"(Airflow Variable {getattr(hook.token_store, 'name', lambda k: k)(hook.token_key)})."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
