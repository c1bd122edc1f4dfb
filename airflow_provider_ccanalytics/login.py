"""``ccanalytics-login``: the one-time interactive login for delegated access (authorization code + PKCE).

It prints (and opens) the vendor's authorize URL, receives the redirect on a callback server
on 127.0.0.1 (or takes the pasted redirect URL with ``--no-browser``), checks ``state``,
exchanges the code with the PKCE verifier, and saves the tokens to the token store (an
Airflow Variable per connection) so every worker can refresh from then on.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import webbrowser
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_ccanalytics.core.errors import CcAnalyticsError, ConfigurationError

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def hook_for(conn_id: str) -> Any:
    """The vendor hook for a connection, chosen by its type."""
    from airflow.sdk import BaseHook

    from airflow_provider_ccanalytics.hooks.cxone import NiceCxoneHook
    from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook

    conn_type = (BaseHook.get_connection(conn_id).conn_type or "").replace("-", "_")
    hooks: dict[str, type[Any]] = {"genesys_cloud": GenesysCloudHook, "nice_cxone": NiceCxoneHook}
    if conn_type not in hooks:
        raise ConfigurationError(
            "conn_type",
            f"connection '{conn_id}' is of type '{conn_type}'; "
            "ccanalytics-login works with genesys_cloud and nice_cxone connections",
        )
    return hooks[conn_type](conn_id)


class CallbackServer:
    """A one-shot HTTP server at ``redirect_uri`` (loopback only), bound as soon as it is made.

    :param redirect_uri: e.g. ``http://127.0.0.1:8976/callback``.
    """

    def __init__(self, redirect_uri: str) -> None:
        parts = urlsplit(redirect_uri)
        if parts.hostname not in LOOPBACK_HOSTS or not parts.port:
            raise ConfigurationError(
                "redirect_uri",
                f"{redirect_uri} is not a loopback URL with a port; use --no-browser to paste the redirect URL instead",
            )
        self.redirect_uri = redirect_uri
        self.received: list[str] = []
        received, path, origin = self.received, parts.path or "/", f"{parts.scheme}://{parts.netloc}"

        class Callback(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if urlsplit(self.path).path != path:
                    self.send_error(404)
                    return
                received.append(f"{origin}{self.path}")
                body = b"Login received. You can close this window and return to the terminal."
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = HTTPServer((parts.hostname, parts.port), Callback)
        self.server.timeout = 0.5

    def wait(self, timeout: float) -> str:
        """The full URL of the first redirect; ConfigurationError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        try:
            while not self.received and time.monotonic() < deadline:
                self.server.handle_request()
        finally:
            self.server.server_close()
        if not self.received:
            raise ConfigurationError("timeout", f"no redirect reached {self.redirect_uri} within {timeout:.0f} s")
        return self.received[0]


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
    try:
        hook = hook_for(args.conn_id)
        if hook.grant_type != "authorization_code":
            raise ConfigurationError(
                "grant_type",
                f"connection '{args.conn_id}' uses grant_type "
                f"'{hook.grant_type}'; set grant_type=authorization_code for delegated access",
            )
        request = hook.authorization_request(args.redirect_uri)
        print("Open this URL in a browser and log in:\n", flush=True)
        print(request.url(), flush=True)
        if args.no_browser:
            print("\nThen paste the full URL your browser was redirected to:", flush=True)
            redirect_url = sys.stdin.readline().strip()
        else:
            callback = CallbackServer(request.redirect_uri)  # listening before the browser can arrive
            print(f"\nWaiting for the redirect to {request.redirect_uri} ...", flush=True)
            threading.Thread(target=webbrowser.open, args=(request.url(),), daemon=True).start()
            redirect_url = callback.wait(args.timeout)
        code = request.code_from_redirect(redirect_url)
        token = request.exchange(hook.token_endpoint, hook.transport, code)
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
