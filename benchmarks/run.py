"""Benchmarks: prints a table. Run: .venv/bin/python benchmarks/run.py [--quick]

1. Sandbox throughput: details-query pages of 100 conversations per second (sandbox in its own process).
2. Pacing: 20,000 conversations with the sandbox's rate limit on (300 per window, time-scaled):
   pages/s achieved by the provider's client against the rate the limit allows, and 429s seen.
3. Memory: peak RSS of extracting 10,000 vs 200,000 conversations to local storage, each in a
   fresh process, through the operator's code path (client + partition writer).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

DAY = "2026-01-01T00:00:00.000Z/2026-01-02T00:00:00.000Z"


@contextmanager
def sandbox_process(*args: str) -> Iterator[dict[str, str]]:
    """Start ccanalytics-sandbox in its own process; stop it by its PID."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_ccanalytics.testing.cli", "--port", "0", "--json", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield json.loads(proc.stdout.readline())
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def token(urls: dict[str, str]) -> dict[str, str]:
    answer = requests.post(
        f"{urls['genesys_login_url']}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(urls["genesys_client_id"], "sandbox-genesys-secret"),
    )
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def sandbox_throughput(conversations: int) -> dict[str, float]:
    with sandbox_process("--conversations", str(conversations), "--rate-limit", "0") as urls:
        headers, session = token(urls), requests.Session()
        url = f"{urls['genesys_api_url']}/api/v2/analytics/conversations/details/query"
        pages = conversations // 100

        def one_pass() -> float:
            started = time.perf_counter()
            for number in range(1, pages + 1):
                response = session.post(
                    url, headers=headers, json={"interval": DAY, "paging": {"pageSize": 100, "pageNumber": number}}
                )
                response.raise_for_status()
                _ = response.content
            return pages / (time.perf_counter() - started)

        cold = one_pass()
        warm = one_pass()
    return {"cold": cold, "warm": warm, "pages": pages}


WORKER = r"""
import json, resource, sys, time
from datetime import timedelta
from functools import partial
from airflow_provider_ccanalytics.core.auth import MemoryTokenStore, TokenEndpoint, TokenManager
from airflow_provider_ccanalytics.core.auth import client_credentials_form
from airflow_provider_ccanalytics.core.genesys import GenesysClient
from airflow_provider_ccanalytics.core.http import HttpTransport, RateLimiter
from airflow_provider_ccanalytics.core.partitions import Window
from airflow_provider_ccanalytics.outputs import storage_path, write_partition

urls, out, per_minute, window_seconds = json.loads(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
limiter = RateLimiter(per_minute, window=window_seconds) if per_minute else None
http = HttpTransport(limiter=limiter)
endpoint = TokenEndpoint(urls["genesys_login_url"] + "/oauth/token", urls["genesys_client_id"],
                         "sandbox-genesys-secret")
manager = TokenManager(key="bench", endpoint=endpoint, transport=http, store=MemoryTokenStore(),
                       grant_form=client_credentials_form())
client = GenesysClient(http, manager, urls["genesys_api_url"])
window = Window.of("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")
parts = client.details_windows(window, timedelta(hours=1))
# one-time process costs (Airflow's ObjectStoragePath, fsspec, the token) before the clock starts,
# as in a worker that has run a task before: the measure is the steady extraction rate
with (storage_path(out) / "_warmup").open("wb") as warm:
    warm.write(b"")
(storage_path(out) / "_warmup").unlink()
client.data_availability()
started = time.perf_counter()
manifest = write_partition(out, vendor="genesys", dataset="conversation_details", window=window,
                           sources=[partial(client.iter_details_in, part) for part in parts], max_workers=4)
elapsed = time.perf_counter() - started
print(json.dumps({"records": manifest["record_count"], "seconds": elapsed, "requests": http.stats.requests,
                  "retries": http.stats.retries, "throttled": http.stats.throttled,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def extract(urls: dict[str, str], per_minute: float = 0, window_seconds: float = 60) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            [sys.executable, "-c", WORKER, json.dumps(urls), Path(out).as_uri(), str(per_minute), str(window_seconds)],
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def pacing(conversations: int, window_seconds: float) -> dict[str, float]:
    with sandbox_process(
        "--conversations", str(conversations), "--rate-limit", "300", "--rate-window", str(window_seconds), "--prewarm"
    ) as urls:
        requests.get(f"{urls['base_url']}/_sandbox/stats")
        result = extract(urls, per_minute=300, window_seconds=window_seconds)
        stats = requests.get(f"{urls['base_url']}/_sandbox/stats").json()
    allowed = 300 / window_seconds
    pages = stats.get("POST genesys details/query", 0)
    achieved = pages / result["seconds"]
    return {
        "allowed": allowed,
        "achieved": achieved,
        "share": achieved / allowed,
        "pages": pages,
        "records": result["records"],
        "429": stats.get("429 sent", 0),
        "seconds": result["seconds"],
    }


def memory(sizes: list[int]) -> dict[int, dict[str, float]]:
    results = {}
    for size in sizes:
        with sandbox_process("--conversations", str(size), "--rate-limit", "0") as urls:
            results[size] = extract(urls)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    parser.add_argument("--only", choices=["throughput", "pacing", "memory"], help="run one measure")
    args = parser.parse_args()
    big = 20_000 if args.quick else 200_000
    rows: list[tuple[str, str, str]] = []
    if args.only in (None, "throughput"):
        through = sandbox_throughput(10_000)
        for kind in ("cold", "warm"):
            rows.append(
                (
                    f"sandbox details pages/s (100 conv/page), {kind}",
                    f"{through[kind]:.0f}",
                    f"{through['pages']:.0f} pages, one client stream",
                )
            )
    if args.only in (None, "pacing"):
        pace = pacing(20_000, window_seconds=6.0)
        rows.append(("pacing: pages/s allowed by the limit (300 per 6 s)", f"{pace['allowed']:.1f}", ""))
        rows.append(
            (
                "pacing: pages/s achieved, 20,000 conversations",
                f"{pace['achieved']:.1f}",
                f"{pace['share'] * 100:.1f} % of allowed; {pace['pages']:.0f} pages in {pace['seconds']:.1f} s",
            )
        )
        rows.append(("pacing: HTTP 429 sent by the sandbox", f"{pace['429']:.0f}", f"{pace['records']:.0f} records"))
    if args.only in (None, "memory"):
        mem = memory([10_000, big])
        for size, result in mem.items():
            rows.append(
                (
                    f"memory: peak RSS extracting {size:,} conversations (MB)",
                    f"{result['peak_rss_mb']:.0f}",
                    f"{result['records']:.0f} records in {result['seconds']:.1f} s",
                )
            )
        rows.append(
            (
                f"memory: difference {big:,} vs 10,000 (MB)",
                f"{mem[big]['peak_rss_mb'] - mem[10_000]['peak_rss_mb']:.0f}",
                "limit 100",
            )
        )
    width = max(len(row[0]) for row in rows)
    print(f"{'measure'.ljust(width)}  {'value':>8}  notes")
    print(f"{'-' * width}  {'-' * 8}  -----")
    for name, value, notes in rows:
        print(f"{name.ljust(width)}  {value:>8}  {notes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
