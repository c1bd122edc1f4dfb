"""One of several writers of the same partition, at the same time (the concurrency test's writer).

Usage: ``python concurrent_writer.py '<json>'`` with ``storage`` (``file`` or ``s3``), ``endpoint`` (S3),
``folder``, ``label`` (this writer's name, in every record), ``rounds``, ``gate`` (a local folder: round
``r`` starts when the file ``go-<r>`` appears there), ``swap`` (POSIX: false commits file by file) and
``lease_seconds``. Prints ``ready`` once imported, then per round one JSON line: ``{"round", "outcome",
"records"}`` with outcome ``committed``, ``superseded``, ``unchanged`` or ``error <type>: <message>`` (a raw error:
the test counts them). No Airflow import.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from airflow_provider_ccanalytics.core.errors import CcAnalyticsError
from airflow_provider_ccanalytics.outputs.commit import commit_partition
from airflow_provider_ccanalytics.outputs.formats import write_jsonl_gz
from airflow_provider_ccanalytics.outputs.storage import Store


def parts_of(label: str, round_: int) -> int:
    """How many parts a writer writes in a round (differs between writers, so a mix is visible)."""
    return 2 + (sum(map(ord, label)) + round_) % 3


def records(label: str, round_: int, part: int) -> Iterator[dict[str, Any]]:
    for number in range(1500):
        yield {"writer": label, "round": round_, "part": part, "n": number, "pad": "x" * 60}


def filesystem(config: dict[str, Any]) -> Any:
    if config["storage"] == "s3":
        import s3fs

        return s3fs.S3FileSystem(
            key="testing",
            secret="testing",
            client_kwargs={"endpoint_url": config["endpoint"], "region_name": "us-east-1"},
        )
    from fsspec.implementations.local import LocalFileSystem

    return LocalFileSystem()


def write(fs: Any, config: dict[str, Any], round_: int) -> dict[str, Any]:
    label = config["label"]

    def source(part: int) -> Callable[[], Iterator[dict[str, Any]]]:
        return lambda: records(label, round_, part)

    def describe(files: list[dict[str, Any]]) -> dict[str, Any]:
        return {"writer": label, "round": round_, "record_count": sum(e["records"] for e in files), "files": files}

    return commit_partition(
        Store(fs, config["folder"], lease_seconds=float(config["lease_seconds"])),
        [source(part) for part in range(parts_of(label, round_))],
        writer=write_jsonl_gz,
        suffix="jsonl.gz",
        describe=describe,
        max_workers=2,
        swap_folder=config["swap"],
    )


def main() -> None:
    config = json.loads(sys.argv[1])
    fs = filesystem(config)
    print("ready", flush=True)
    for round_ in range(config["rounds"]):
        deadline = time.monotonic() + 600
        while not os.path.exists(f"{config['gate']}/go-{round_}"):
            if time.monotonic() > deadline:
                sys.exit(3)
            time.sleep(0.005)
        try:
            manifest = write(fs, config, round_)
            outcome = "superseded" if manifest.get("superseded") else "committed"
            answer = {"round": round_, "outcome": outcome, "winner": manifest.get("writer")}
        except CcAnalyticsError as error:  # typed and retryable: allowed, counted
            answer = {"round": round_, "outcome": f"retryable {type(error).__name__}: {error}"}
        except Exception as error:  # a raw error: the test fails on any
            answer = {"round": round_, "outcome": f"error {type(error).__name__}: {error}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
