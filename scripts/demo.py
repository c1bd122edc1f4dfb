"""The README's demo: the nightly contact-centre model DAG, run by Airflow against the API sandbox.

The DAG (``example_dags/contact_centre_model.py``) snapshots the Genesys dimensions and extracts the day's
conversation details (and agent activity); the demo then prints a report joining the two.

Everything is local: a SQLite Airflow home and the output under ``.demo/``, the sandbox on
127.0.0.1 with 20,000 generated conversations for 2026-01-01 (its rate limit time-scaled 10x).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / ".demo"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=20_000)
    parser.add_argument("--verbose", action="store_true", help="show Airflow's task log")
    args = parser.parse_args()

    output = DEMO / "output"
    os.environ.update(
        {
            "AIRFLOW_HOME": str(DEMO / "airflow"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "example_dags"),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO" if args.verbose else "WARNING",
            "CCANALYTICS_MODEL_OUTPUT": output.as_uri(),
        }
    )
    print(f"Airflow home {DEMO / 'airflow'} (SQLite); migrating the metadata database...", flush=True)
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)

    if not args.verbose:  # Airflow's own dependencies warn about their dependencies; not ours to show
        warnings.filterwarnings("ignore", message=r".*starlette\.testclient.*")
    from airflow_provider_ccanalytics.testing import DataSpec, Sandbox, SandboxConfig

    config = SandboxConfig(data=DataSpec(conversations=args.conversations), rate_limit=300, rate_window=6.0)
    with Sandbox(config) as sandbox:
        os.environ["AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT"] = json.dumps(
            sandbox.genesys_connection(requests_per_minute=300, rate_window_seconds=6)
        )
        print(f"API sandbox at {sandbox.base_url}: {args.conversations} conversations on 2026-01-01", flush=True)

        sys.path.insert(0, str(ROOT / "example_dags"))
        from contact_centre_model import dag

        if not args.verbose:
            logging.disable(logging.INFO)
        from datetime import datetime, timezone

        started = time.monotonic()
        run = dag.test(logical_date=datetime(2026, 1, 2, tzinfo=timezone.utc))
        elapsed = time.monotonic() - started
        stats = sandbox.stats()
        truth = sandbox.data.conversation_ids_started(sandbox.data.start, sandbox.data.end)

    state = str(getattr(run, "state", "unknown"))
    org = f"org={config.genesys_org_id}"  # the sandbox org's id, as GET /api/v2/organizations/me answers
    partition = output / "genesys" / "conversation_details" / org / "interval_start=2026-01-01T00:00:00Z"
    manifest_file = partition / "_manifest.json"
    if not manifest_file.exists():
        print(f"The DAG run ended in state {state} and wrote no manifest; rerun with --verbose to see the log.")
        return 1
    manifest = json.loads(manifest_file.read_text())
    print()
    print(f"DAG run '{dag.dag_id}' for 2026-01-01: {state} in {elapsed:.1f} s")
    print(f"Output:   {partition}")
    print(
        f"Records:  {manifest['record_count']} conversations in {len(manifest['files'])} files "
        f"(sandbox ground truth: {len(truth)})"
    )
    print(
        f"Requests: {stats.get('POST genesys details/query', 0)} detail pages, "
        f"{stats.get('tokens issued genesys', 0)} token request(s), {stats.get('429 sent', 0)} HTTP 429"
    )
    print(f"Manifest: {manifest_file}")
    print_report(output, "2026-01-01")
    return 0 if state.endswith("success") and manifest["record_count"] == len(truth) else 1


def print_report(output: Path, day: str) -> None:
    """The day's conversations, mean handle time and abandon rate by queue name (DuckDB), once the output holds
    a Genesys queues snapshot to take the names from (the README's "A report from your output")."""
    from airflow_provider_ccanalytics.report import format_table, queue_report, queues_snapshot

    if queues_snapshot(output) is None:
        print("Report:   skipped: no Genesys queues snapshot under the output (genesys/queues/org=*/snapshot_date=*)")
        return
    print()
    print(f"Conversations by queue on {day} (DuckDB over the partition and the queues snapshot):")
    print(format_table(queue_report(output, day)))


if __name__ == "__main__":
    sys.exit(main())
