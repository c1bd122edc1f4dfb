"""Peak RSS of writing conversations as flattened typed Parquet. Run: .venv/bin/python benchmarks/memory.py

Each case runs in a fresh process: the sandbox's generated conversations (``testing.data``, one source per
hour of the day, as the operator splits a day) go through the real write path, ``outputs.write_partition``
with ``output_format="parquet"``, ``layout="tables"`` and the operator's default of 4 workers, into a
temporary local folder. The parent reads each child's peak RSS from ``os.wait4`` (the child's own rusage,
so one case's peak never carries into the next). Target: 200,000 within 100 MB of 10,000.

Options: ``--sizes 10000 200000`` (the first is the baseline), ``--workers 4``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

WORKER = r"""
import bisect, json, sys, time
from functools import partial
from airflow_provider_ccanalytics.core.partitions import Window
from airflow_provider_ccanalytics.outputs import storage_path, write_partition
from airflow_provider_ccanalytics.testing import late
from airflow_provider_ccanalytics.testing.data import DataSpec, Dataset

size, out, workers = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
data = Dataset(DataSpec(conversations=size, contacts=0))
window = Window.of("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")


def hour(number):
    # the final records, built per conversation without the sandbox's record cache (that cache is the
    # sandbox's memory, not the writer's: through it, RSS would grow with the cache, up to 50,000 records)
    low = bisect.bisect_left(data.conv_starts, data.start + number * 3600)
    high = bisect.bisect_left(data.conv_starts, data.start + (number + 1) * 3600)
    for index in range(low, high):
        yield late.conversation_at_stage(data._make_conversation(index), late.FINAL)


with (storage_path(out) / "_warmup").open("wb") as warm:  # fsspec and ObjectStoragePath loaded first
    warm.write(b"")
(storage_path(out) / "_warmup").unlink()
started = time.perf_counter()
summary = write_partition(out, vendor="genesys", dataset="conversation_details", window=window,
                          sources=[partial(hour, number) for number in range(24)], output_format="parquet",
                          layout="tables", max_workers=workers)
elapsed = time.perf_counter() - started
manifest = json.loads((storage_path(summary["manifest"])).read_bytes())
rows = {}
for entry in manifest["files"]:
    rows[entry["table"]] = rows.get(entry["table"], 0) + entry["records"]
print(json.dumps({"records": summary["record_count"], "rows": rows, "seconds": elapsed, "bytes": summary["bytes"]}))
"""


def run_case(size: int, workers: int) -> dict[str, object]:
    """One case in a fresh process; its peak RSS from the child's own rusage (``os.wait4``)."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(size), Path(out).as_uri(), str(workers)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        output = proc.stdout.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"case {size} failed with exit code {proc.returncode}")
    result: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return {**result, "wall": wall, "peak_rss_mb": usage.ru_maxrss / 1024}  # ru_maxrss is in KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 200_000], help="conversations per case")
    parser.add_argument("--workers", type=int, default=4, help="parts written concurrently (the operator's default)")
    args = parser.parse_args()
    results = [(size, run_case(size, args.workers)) for size in args.sizes]
    base = float(results[0][1]["peak_rss_mb"])  # type: ignore[arg-type]
    print(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, python {sys.version.split()[0]}, workers {args.workers}")
    header = ("conversations", "records", "tables rows", "wall s", "write s", "peak RSS MB", "vs first MB")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(" ---: " for _ in header) + "|")
    for size, result in results:
        rows: dict[str, int] = result["rows"]  # type: ignore[assignment]
        peak = float(result["peak_rss_mb"])  # type: ignore[arg-type]
        cells = (
            f"{size:,}",
            f"{result['records']:,}",
            f"{sum(rows.values()):,}",
            f"{result['wall']:.1f}",
            f"{result['seconds']:.1f}",
            f"{peak:.0f}",
            f"{peak - base:+.0f}",
        )
        print("| " + " | ".join(cells) + " |")
    last_rows: dict[str, int] = results[-1][1]["rows"]  # type: ignore[assignment]
    print("rows per table (last case): " + ", ".join(f"{table} {count:,}" for table, count in last_rows.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
