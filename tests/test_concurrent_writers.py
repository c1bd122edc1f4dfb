"""Several writers of one partition at the same time, as real processes: files (folder swap and file by file)
and S3 (moto's server on 127.0.0.1, started here and stopped by its PID).

Each round, N writer processes start writing the same partition at the same instant (a gate file), each with
records of its own and a different number of parts. After every round the partition must be exactly one
writer's complete output (through the manifest, and through a ``_SUCCESS``-gated glob of ``part-*``), every
writer must have ended cleanly (committed, or superseded by the first commit), and nothing may be left: no
staging folder, temp file, lease, lock, unlisted part or unfinished upload. Then one more run alone.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.outputs.reader import iter_records
from tests.support.concurrent_writer import filesystem, parts_of
from tests.support.moto import moto_server

WRITER = Path(__file__).parent / "support" / "concurrent_writer.py"
BUCKET = "concurrency"
WRITERS = int(os.environ.get("CCANALYTICS_WRITERS", "4"))
ROUNDS = int(os.environ.get("CCANALYTICS_ROUNDS", "5"))
#: every figure of a run, for the report (printed at the end with -s)
FIGURES: Counter[str] = Counter()


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    pytest.importorskip("s3fs")
    boto3 = pytest.importorskip("boto3")

    with moto_server() as endpoint:
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).create_bucket(Bucket=BUCKET)
        yield endpoint


def expected(label: str, round_: int) -> list[tuple[str, int, int, int]]:
    return sorted((label, round_, part, n) for part in range(parts_of(label, round_)) for n in range(1500))


class Target:
    """One storage as a reader sees it."""

    def __init__(self, kind: str, tmp_path: Path, endpoint: str) -> None:
        self.kind, self.endpoint = kind, endpoint
        self.storage = "s3" if kind == "s3" else "file"
        self.folder = f"{BUCKET}/{tmp_path.name}/day" if kind == "s3" else f"{tmp_path}/out/day"
        if kind != "s3":
            os.makedirs(os.path.dirname(self.folder), exist_ok=True)
        self.fs = filesystem({"storage": self.storage, "endpoint": endpoint})

    def config(self, label: str, rounds: int, gate: str) -> dict[str, Any]:
        return {
            "storage": self.storage,
            "endpoint": self.endpoint,
            "folder": self.folder,
            "label": label,
            "rounds": rounds,
            "gate": gate,
            "swap": self.kind == "file",
            "lease_seconds": 120,
        }

    def listing(self) -> list[str]:
        """Every file in the partition folder and every sibling named after it (hidden ones included)."""
        if self.storage == "file":
            parent, base = os.path.split(self.folder)
            inside = sorted(os.listdir(self.folder)) if os.path.isdir(self.folder) else []
            return inside + sorted(f"../{name}" for name in os.listdir(parent) if name.startswith(f".{base}."))
        self.fs.invalidate_cache()
        prefix = self.folder + "/"
        return sorted(path[len(prefix) :] for path in self.fs.find(prefix))

    def uploads(self) -> int:
        if self.storage == "file":
            return 0
        bucket, key = self.folder.split("/", 1)
        page = self.fs.call_s3("list_multipart_uploads", Bucket=bucket, Prefix=key + "/")
        return len(page.get("Uploads", []) or [])

    def rows(self) -> tuple[list[tuple[str, int, int, int]], list[tuple[str, int, int, int]] | None]:
        """What the manifest reader sees, and what a ``_SUCCESS``-gated glob of ``part-*`` sees (None: not ready)."""
        self.fs.invalidate_cache()
        key = ("writer", "round", "part", "n")
        manifest = sorted(tuple(record[k] for k in key) for record in iter_records(self.fs, self.folder))
        names = self.listing()
        if "_SUCCESS" not in names:
            return manifest, None  # type: ignore[return-value]
        globbed = []
        for name in names:
            if name.startswith("part-"):
                data = gzip.decompress(self.fs.cat_file(f"{self.folder}/{name}"))
                globbed.extend(tuple(json.loads(line)[k] for k in key) for line in data.splitlines())
        return manifest, sorted(globbed)  # type: ignore[arg-type]

    def leftovers(self) -> list[str]:
        """Anything but the committed manifest's files, ``_manifest.json`` and ``_SUCCESS``."""
        names = self.listing()
        manifest = json.loads(self.fs.cat_file(f"{self.folder}/_manifest.json"))
        keep = {entry["path"] for entry in manifest["files"]} | {"_manifest.json", "_SUCCESS"}
        return [name for name in names if name not in keep] + ["upload"] * self.uploads()


def run_rounds(target: Target, gate: Path, writers: int, rounds: int) -> list[dict[str, Any]]:
    """Start ``writers`` processes, release them together ``rounds`` times, check the partition after each."""
    gate.mkdir()
    labels = [f"w{index}" for index in range(writers)]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    processes = [
        subprocess.Popen(
            [sys.executable, str(WRITER), json.dumps(target.config(label, rounds, str(gate)))],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for label in labels
    ]
    answers = []
    try:
        for process in processes:
            assert process.stdout and process.stdout.readline().strip() == "ready"
        for round_ in range(rounds):
            (gate / f"go-{round_}").touch()
            got = [json.loads(process.stdout.readline()) for process in processes if process.stdout]
            answers.extend(got)
            outcomes = Counter(answer["outcome"].split(" ")[0] for answer in got)
            FIGURES.update({f"{target.kind} {key}": count for key, count in outcomes.items()})
            raw = [answer["outcome"] for answer in got if answer["outcome"].startswith("error")]
            assert not raw, raw
            manifest, globbed = target.rows()
            winners = {row[0] for row in manifest}
            assert len(winners) == 1, f"round {round_}: a partition mixing writers {winners}"
            assert manifest == expected(winners.pop(), round_), f"round {round_}: not one writer's whole output"
            assert globbed == manifest, f"round {round_}: the _SUCCESS-gated glob sees another partition"
            assert target.leftovers() == [], f"round {round_}: left behind {target.leftovers()}"
            FIGURES[f"{target.kind} rounds"] += 1
    finally:
        for process in processes:
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    assert all(process.returncode == 0 for process in processes)
    return answers


@pytest.mark.parametrize("kind", ["file", "file-in-place", "s3"])
def test_concurrent_writers_leave_one_whole_partition_and_nothing_else(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    endpoint = request.getfixturevalue("moto_endpoint") if kind == "s3" else ""
    target = Target(kind, tmp_path, endpoint)
    answers = run_rounds(target, tmp_path / "gate", WRITERS, ROUNDS)
    assert Counter(answer["outcome"] for answer in answers)["committed"] >= ROUNDS
    # the next run, alone: still exactly one writer's output, and nothing left
    run_rounds(target, tmp_path / "gate-next", 1, 1)
    assert target.leftovers() == [] and target.uploads() == 0
    print(f"\n{kind}: {WRITERS} writers x {ROUNDS} rounds: {dict(FIGURES)}")


def test_recovery_keeps_a_live_writers_staging_and_removes_a_gone_ones(tmp_path: Path) -> None:
    from fsspec.implementations.local import LocalFileSystem

    from airflow_provider_ccanalytics.outputs.lease import LocalLease
    from airflow_provider_ccanalytics.outputs.recovery import recover
    from airflow_provider_ccanalytics.outputs.storage import Store

    folder = tmp_path / "day"
    folder.mkdir()
    live, gone = tmp_path / ".day.aaaaaaaaaaaa.tmp", tmp_path / ".day.bbbbbbbbbbbb.tmp"
    live.mkdir()
    gone.mkdir()
    (folder / ".part-00000.jsonl.gz.aaaaaaaaaaaa.tmp").write_bytes(b"a live writer's temp file")
    (tmp_path / ".day.bbbbbbbbbbbb.lease").write_bytes(b"")  # a lease nobody holds: its writer is gone
    lease = LocalLease(str(tmp_path), "day", "aaaaaaaaaaaa")
    lease.acquire()  # held by this process: that writer is live
    try:
        recover(Store(LocalFileSystem(), str(folder)))
        assert live.is_dir() and not gone.exists() and not (tmp_path / ".day.bbbbbbbbbbbb.lease").exists()
        assert (folder / ".part-00000.jsonl.gz.aaaaaaaaaaaa.tmp").exists()
    finally:
        lease.release()
    recover(Store(LocalFileSystem(), str(folder)))
    assert not live.exists() and os.listdir(folder) == []
