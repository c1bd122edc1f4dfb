"""Crash test of the partition commit protocol: SIGKILL the writer at many steps, then read like a consumer.

The writer (``tests/support/crash_writer.py``) runs in a fresh process (forked per write) and kills itself
with SIGKILL at the N-th storage step. After each kill three readers look at the folder:

- the manifest reader (``iter_records``): must see the complete old partition or the complete new one
  (nothing, for a fresh write killed before its commit);
- a glob reader gated on ``_SUCCESS`` (lists the folder; reads every ``part-*`` file only if ``_SUCCESS``
  is there): must see old, new, or "not ready", never a mix;
- a plain glob reader (reads every ``part-*`` file): tallied; a mix is allowed only while ``_SUCCESS`` is
  absent (the commit window).

Then the writer runs again to completion; nothing may be left behind (no temp files, no orphan parts, no
unfinished multipart uploads). S3 is moto's server on 127.0.0.1 (ephemeral port), in its own process
(``tests/support/moto.py``, shared with the other S3 tests), stopped by its PID.
"""

from __future__ import annotations

import glob
import gzip
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.outputs.reader import iter_records
from tests.support.crash_writer import VERSIONS, records
from tests.support.moto import moto_server

WRITER = Path(__file__).parent / "support" / "crash_writer.py"
BUCKET = "crash-test"
# kill points per scenario and storage; CCANALYTICS_CRASH_POINTS=0 kills at every step
POINTS = int(os.environ.get("CCANALYTICS_CRASH_POINTS", "24"))


def expected(version: str) -> list[tuple[str, int, int]]:
    return sorted(
        (record["version"], record["part"], record["n"])
        for part in range(VERSIONS[version][0])
        for record in records(version, part)
    )


EXPECTED = {"A": expected("A"), "B": expected("B")}


class Storage:
    """One storage as the test sees it: run the writer, list and read like a consumer, count uploads."""

    def __init__(self, kind: str, root: str, server: subprocess.Popen[str], endpoint: str = "") -> None:
        self.kind, self.root, self.server, self.endpoint = kind, root, server, endpoint
        #: POSIX writes swap the partition folder in whole, unless "file-in-place" (file by file, as on S3)
        self.swap = kind == "file"
        if kind == "s3":
            import boto3

            self.s3 = boto3.client(
                "s3",
                endpoint_url=endpoint,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )

    @property
    def storage(self) -> str:
        return "s3" if self.kind == "s3" else "file"

    def folder(self, name: str) -> str:
        return f"{self.root}/{name}"

    def write(self, folder: str, version: str, kill_at: int = 0) -> tuple[int, int]:
        """Run the writer in a fresh (forked) process; returns its exit code and its steps (0 when killed)."""
        config: dict[str, Any] = {"storage": self.storage, "endpoint": self.endpoint, "folder": folder}
        config.update(version=version, swap=self.swap)
        assert self.server.stdin and self.server.stdout
        self.server.stdin.write(json.dumps({**config, "kill_at": kill_at}) + "\n")
        self.server.stdin.flush()
        answer = self.server.stdout.readline().split()
        assert answer, "the writer server ended"
        code, steps = int(answer[0]), int(answer[1])
        assert code in (0, -signal.SIGKILL), f"the writer failed with exit code {code} (its error is in stderr)"
        return code, steps

    def listing(self, folder: str) -> list[str]:
        """Every file name in the folder, hidden ones included."""
        if self.storage == "file":
            return sorted(os.listdir(folder)) if os.path.isdir(folder) else []
        bucket, prefix = folder.split("/", 1)
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/")
        return sorted(item["Key"][len(prefix) + 1 :] for page in pages for item in page.get("Contents", []))

    def read(self, folder: str, name: str) -> bytes:
        if self.storage == "file":
            return Path(folder, name).read_bytes()
        bucket, prefix = folder.split("/", 1)
        return bytes(self.s3.get_object(Bucket=bucket, Key=f"{prefix}/{name}")["Body"].read())

    def glob_parts(self, folder: str) -> list[str]:
        """What ``glob('part-*')`` gives (POSIX glob skips dot files; S3 has no hidden objects)."""
        if self.storage == "file":
            return sorted(Path(path).name for path in glob.glob(f"{glob.escape(folder)}/part-*"))
        return [name for name in self.listing(folder) if name.startswith("part-")]

    def sibling_folders(self, folder: str) -> list[str]:
        """Hidden folders next to the partition (a swap's staging folder, or the old partition swapped out)."""
        if self.storage != "file":
            return []
        parent, base = os.path.split(folder)
        return [name for name in os.listdir(parent) if name.startswith(f".{base}.")]

    def uploads(self) -> int:
        if self.storage == "file":
            return 0
        return len(self.s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []))

    def fs(self) -> Any:
        if self.storage == "file":
            from fsspec.implementations.local import LocalFileSystem

            return LocalFileSystem()
        import s3fs

        return s3fs.S3FileSystem(
            key="testing", secret="testing", client_kwargs={"endpoint_url": self.endpoint, "region_name": "us-east-1"}
        )


def classify(rows: list[tuple[str, int, int]] | None, old: str | None, new: str) -> str:
    if rows is None or not rows:
        return "absent"
    rows = sorted(rows)
    if old and rows == EXPECTED[old]:
        return "old"
    if rows == EXPECTED[new]:
        return "new"
    return "partial" if old is None and set(rows) < set(EXPECTED[new]) else "mixed"


def look(storage: Storage, folder: str, old: str | None, new: str) -> dict[str, str]:
    """What the three readers see now."""
    try:
        manifest_rows = [(r["version"], r["part"], r["n"]) for r in iter_records(storage.fs(), folder)]
    except FileNotFoundError:
        manifest_rows = None
    parts = storage.glob_parts(folder)
    glob_rows = [
        (r["version"], r["part"], r["n"])
        for name in parts
        for r in map(json.loads, gzip.decompress(storage.read(folder, name)).splitlines())
    ]
    success = "_SUCCESS" in storage.listing(folder)
    plain = classify(glob_rows, old, new)
    return {
        "manifest": classify(manifest_rows, old, new),
        "gated": plain if success else "not ready",
        "plain": plain,
    }


def leftovers(storage: Storage, folder: str) -> Counter[tuple[str, str]]:
    """What a killed run left for the next run to clean: temp files, unfinished uploads, unlisted parts."""
    names = storage.listing(folder)
    listed = set()
    if "_manifest.json" in names:
        listed = {entry["path"] for entry in json.loads(storage.read(folder, "_manifest.json"))["files"]}
    return Counter(
        {
            ("left", "staging folders"): len(storage.sibling_folders(folder)),
            ("left", "temp files"): sum(name.startswith(".") for name in names),
            ("left", "unfinished uploads"): storage.uploads(),
            ("left", "unlisted parts"): sum(name.startswith("part-") and name not in listed for name in names),
        }
    )


def assert_clean(storage: Storage, folder: str, version: str) -> None:
    """After a completed run: the folder holds exactly the manifest's files, and no uploads are pending."""
    manifest = json.loads(storage.read(folder, "_manifest.json"))
    assert storage.listing(folder) == sorted(
        [entry["path"] for entry in manifest["files"]] + ["_SUCCESS", "_manifest.json"]
    )
    assert storage.uploads() == 0 and storage.sibling_folders(folder) == []
    assert look(storage, folder, None, version) == {"manifest": "new", "gated": "new", "plain": "new"}


def spread(steps: int, count: int) -> list[int]:
    """``count`` steps spread evenly over 1..``steps`` (all of them for 0)."""
    if count <= 0 or count >= steps:
        return list(range(1, steps + 1))
    return sorted({round(1 + index * (steps - 1) / (count - 1)) for index in range(count)})


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """The shared moto S3 server (``tests/support/moto.py``: its own process, stopped by its PID), with the bucket."""
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


@pytest.fixture(scope="module")
def writer_server() -> Iterator[subprocess.Popen[str]]:
    """The crash writer in ``--serve`` mode: imports once, forks a fresh child per write (fast on a busy machine)."""
    server = subprocess.Popen(
        [sys.executable, str(WRITER), "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
    )
    try:
        yield server
    finally:
        assert server.stdin
        server.stdin.close()
        try:
            server.wait(timeout=120)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(params=["file", "file-in-place", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path, writer_server: subprocess.Popen[str]) -> Storage:
    if request.param != "s3":
        return Storage(request.param, str(tmp_path), writer_server)
    endpoint = request.getfixturevalue("moto_endpoint")
    return Storage("s3", f"{BUCKET}/{request.node.name}", writer_server, endpoint)


def test_sigkill_during_a_fresh_write_shows_nothing_or_everything(storage: Storage) -> None:
    started = time.monotonic()
    code, steps = storage.write(storage.folder("probe"), "A")
    assert code == 0 and steps > 20
    seen: Counter[tuple[str, str]] = Counter()
    points = spread(steps, POINTS)
    for point in points:
        folder = storage.folder(f"fresh-{point}")
        assert storage.write(folder, "A", kill_at=point)[0] == -signal.SIGKILL
        view = look(storage, folder, None, "A")
        seen.update((reader, outcome) for reader, outcome in view.items())
        seen.update(leftovers(storage, folder))
        assert view["manifest"] in ("absent", "new"), (point, view)
        assert view["gated"] in ("not ready", "new"), (point, view)
        assert view["plain"] in (("absent", "new") if storage.swap else ("absent", "partial", "new")), (point, view)
        assert storage.write(folder, "A")[0] == 0
        assert_clean(storage, folder, "A")
    print(
        f"\n{storage.kind} fresh: {len(points)} kill points of {steps} steps, {dict(sorted(seen.items()))}, "
        f"{time.monotonic() - started:.1f} s"
    )
    assert seen[("manifest", "absent")] and seen[("manifest", "new")]


def test_sigkill_during_a_replace_shows_the_old_or_the_new_partition(storage: Storage) -> None:
    started = time.monotonic()
    folder = storage.folder("replace")
    assert storage.write(folder, "A")[0] == 0
    code, steps_ab = storage.write(folder, "B")  # 5 parts replaced by 3 (the first one identical)
    code_back, steps_ba = storage.write(folder, "A")  # and back: 3 replaced by 5
    assert code == code_back == 0
    forth, back = spread(steps_ab, POINTS // 2), spread(steps_ba, POINTS // 2)
    # the runs alternate A -> B and B -> A; a direction out of kill points just runs (None: not killed)
    runs = [p for pair in itertools.zip_longest(forth, back) for p in pair]
    seen: Counter[tuple[str, str]] = Counter()
    current = "A"
    for point in runs:
        new = "B" if current == "A" else "A"
        if point is not None:
            assert storage.write(folder, new, kill_at=point)[0] == -signal.SIGKILL
            view = look(storage, folder, current, new)
            seen.update((reader, outcome) for reader, outcome in view.items())
            seen.update(leftovers(storage, folder))
            assert view["manifest"] in ("old", "new"), (point, view)
            assert view["gated"] in ("old", "new", "not ready"), (point, view)
            if storage.swap:  # the folder is swapped in whole: any listing sees the old or the new partition
                assert view["plain"] in ("old", "new") and view["gated"] in ("old", "new"), (point, view)
        assert storage.write(folder, new)[0] == 0
        assert_clean(storage, folder, new)
        current = new
    killed = len(forth) + len(back)
    print(
        f"\n{storage.kind} replace: {killed} kill points of {steps_ab}/{steps_ba} steps, "
        f"{dict(sorted(seen.items()))}, {time.monotonic() - started:.1f} s"
    )
    assert seen[("manifest", "old")] and seen[("manifest", "new")]
