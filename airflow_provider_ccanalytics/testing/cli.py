"""``ccanalytics-sandbox``: run the API sandbox and print its base URLs."""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from dataclasses import replace

from airflow_provider_ccanalytics.testing.data import DataSpec
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
    parser.add_argument("--prewarm", action="store_true", help="serialize all conversations before serving")
    parser.add_argument("--json", action="store_true", help="print the URLs as one JSON line")
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
    )
    sandbox = Sandbox(config, port=args.port)
    if args.prewarm:
        sandbox.prewarm()
    sandbox.start()
    config_view = {
        **sandbox.urls(),
        "base_url": sandbox.base_url,
        "genesys_client_id": config.genesys_client_id,
        "cxone_client_id": config.cxone_client_id,
        "cxone_access_key_id": config.cxone_access_key_id,
    }
    if args.json:
        print(json.dumps(config_view), flush=True)
    else:
        print("ccanalytics sandbox running (Ctrl-C stops it)")
        for key, value in config_view.items():
            print(f"  {key:22} {value}")
        print(f"  {'data':22} {spec.conversations} conversations, {spec.contacts} contacts, {spec.start}..{spec.end}")
        sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
