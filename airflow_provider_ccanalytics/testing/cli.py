"""``ccanalytics-sandbox``: run the API sandbox and print what fills a connection form (ids, URLs, test secrets).

Sources: no vendor shape of its own (the sandbox modules name theirs).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from dataclasses import replace

from airflow_provider_ccanalytics.testing.data import DataSpec
from airflow_provider_ccanalytics.testing.sandbox.config import mixed_faults
from airflow_provider_ccanalytics.testing.server import Sandbox, SandboxConfig


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ccanalytics-sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--conversations", type=int, default=1000, help="Genesys conversations to generate")
    parser.add_argument("--contacts", type=int, default=1000, help="CXone completed contacts to generate")
    parser.add_argument("--start", default="2026-01-01T00:00:00Z", help="start of the generated data")
    parser.add_argument("--end", default="2026-01-02T00:00:00Z", help="end of the generated data")
    parser.add_argument("--rate-limit", type=int, default=300, help="requests per window per token (0: none)")
    parser.add_argument("--rate-window", type=float, default=60.0, help="the rate-limit window in seconds")
    parser.add_argument("--job-seconds", type=float, default=2.0, help="how long a details job takes")
    parser.add_argument("--extraction-create-interval", type=float, default=30.0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    parser.add_argument("--token-ttl", type=float, default=86400.0, help="Genesys access token lifetime in seconds")
    parser.add_argument(
        "--fault-rate", type=float, default=0.0, help="share of Genesys API requests answered 429, 503 or reset"
    )
    parser.add_argument("--prewarm", action="store_true", help="serialize all conversations before serving")
    parser.add_argument("--json", action="store_true", help="print URLs and both connections as one JSON line")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    spec = DataSpec(
        seed=args.seed,
        conversations=args.conversations,
        contacts=args.contacts,
        start=args.start,
        end=args.end,
    )
    config = replace(
        SandboxConfig(),
        data=spec,
        rate_limit=args.rate_limit or None,
        rate_window=args.rate_window,
        job_seconds=args.job_seconds,
        extraction_create_interval=args.extraction_create_interval,
        latency=args.latency,
        token_ttl=args.token_ttl,
    )
    sandbox = Sandbox(config, port=args.port)
    if args.fault_rate:
        sandbox.faults.extend(mixed_faults(args.fault_rate))
    if args.prewarm:
        sandbox.prewarm()
    sandbox.start()
    forms = {
        "Genesys Cloud connection (type genesys_cloud)": {
            "Client ID": config.genesys_client_id,
            "Client Secret": config.genesys_client_secret,
            "Login base URL": sandbox.genesys_login_url,
            "API base URL": sandbox.genesys_api_url,
            "PKCE public client": config.genesys_public_client_id,
        },
        "NICE CXone connection (type nice_cxone)": {
            "OAuth Client ID": config.cxone_client_id,
            "OAuth Client Secret": config.cxone_client_secret,
            "Access key ID": config.cxone_access_key_id,
            "Access key secret": config.cxone_access_key_secret,
            "Issuer": sandbox.cxone_issuer,
            "PKCE public client": config.cxone_public_client_id,
        },
    }
    if args.json:
        view = {
            **sandbox.urls(),
            "base_url": sandbox.base_url,
            "genesys_client_id": config.genesys_client_id,
            "cxone_client_id": config.cxone_client_id,
            "cxone_access_key_id": config.cxone_access_key_id,
            "genesys_connection": sandbox.genesys_connection(),
            "cxone_connection": sandbox.cxone_connection(),
            "genesys_public_client_id": config.genesys_public_client_id,
            "cxone_public_client_id": config.cxone_public_client_id,
        }
        print(json.dumps(view), flush=True)
    else:
        print(f"ccanalytics sandbox running at {sandbox.base_url} (Ctrl-C stops it)")
        print(f"  data: {spec.conversations} conversations, {spec.contacts} contacts, {spec.start}..{spec.end}")
        for title, fields in forms.items():
            print(f"\n{title}; the form's Port: 443")
            for label, value in fields.items():
                print(f"  {label:20} {value}")
        print("\nThese are the sandbox's fixed test credentials, not secrets of any real account.")
        sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
