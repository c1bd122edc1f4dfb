"""Writes one partition through the commit protocol and SIGKILLs itself at the N-th step (the crash test's writer).

Usage: ``python crash_writer.py '<json>'``, or ``python crash_writer.py --serve``: read one JSON per line
on stdin, run each in a forked child (a fresh process, without paying the imports again) and answer
``<exit code> <steps>`` per line (exit code -9: killed). The JSON has ``storage`` (``file`` or ``s3``),
``endpoint`` (S3), ``folder`` (a path on that storage), ``version`` (``A``: 5 parts of 300 records,
``B``: 3 parts of 200, its first part identical to A's), ``kill_at`` (the step to die at; 0: none) and
``swap`` (POSIX: false commits file by file instead of swapping folders).
A step is before and after every storage change (open, close, publish or discard of a staged part; put
or delete of a file; abort of uploads) and every 100 records written. No Airflow import: it starts fast.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any

from airflow_provider_ccanalytics.outputs.commit import commit_partition
from airflow_provider_ccanalytics.outputs.formats import write_jsonl_gz
from airflow_provider_ccanalytics.outputs.storage import StagedFile, Store
from airflow_provider_ccanalytics.outputs.swap import FolderSwap

VERSIONS = {"A": (5, 300), "B": (3, 200)}


def records(version: str, part: int) -> Iterator[dict[str, Any]]:
    """The deterministic records of one part (B's part 0 equals A's part 0, to exercise reuse)."""
    count = VERSIONS[version][1]
    label = "A" if part == 0 else version
    for number in range(300 if part == 0 else count):
        yield {"version": label, "part": part, "n": number, "pad": "x" * 40}


def run(config: dict[str, Any]) -> int:
    """Write the partition of ``config``; returns the number of steps (when not killed first)."""
    steps, kill_at = 0, int(config["kill_at"])

    def step() -> None:
        nonlocal steps
        steps += 1
        if steps == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def around(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            step()
            result = method(*args, **kwargs)
            step()
            return result

        return wrapped

    for cls, names in (
        (Store, ("remove", "put_atomic", "abort_uploads")),
        (StagedFile, ("close", "publish", "discard")),
        (FolderSwap, ("remove", "open", "adopt", "put", "swap_in", "drop")),
    ):
        for name in names:
            setattr(cls, name, around(getattr(cls, name)))
    StagedFile.__init__ = around(StagedFile.__init__)  # type: ignore[method-assign]

    def source(part: int) -> Callable[[], Iterator[dict[str, Any]]]:
        def generate() -> Iterator[dict[str, Any]]:
            for number, record in enumerate(records(config["version"], part)):
                if number % 100 == 0:
                    step()
                yield record

        return generate

    if config["storage"] == "s3":
        import s3fs

        fs: Any = s3fs.S3FileSystem(
            key="testing",
            secret="testing",
            client_kwargs={"endpoint_url": config["endpoint"], "region_name": "us-east-1"},
        )
    else:
        from fsspec.implementations.local import LocalFileSystem

        fs = LocalFileSystem()
        os.makedirs(config["folder"], exist_ok=True)
    parts = VERSIONS[config["version"]][0]

    def describe(files: list[dict[str, Any]]) -> dict[str, Any]:
        return {"format": "jsonl.gz", "record_count": sum(entry["records"] for entry in files), "files": files}

    # one writer at a time here: a killed writer's S3 lease counts as expired at once (POSIX: flock ends with it)
    commit_partition(
        Store(fs, config["folder"], lease_seconds=float(config.get("lease_seconds", 0))),
        [source(part) for part in range(parts)],
        writer=write_jsonl_gz,
        suffix="jsonl.gz",
        describe=describe,
        max_workers=1,
        swap_folder=config.get("swap", True),
    )
    return steps


def serve() -> None:
    """Fork a child per request line: SIGKILL ends the child, the server answers with its exit status."""
    import s3fs  # noqa: F401 (imported once here, before any fork; no filesystem instance exists yet)

    for line in sys.stdin:
        read, write = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(read)
            code = 0
            try:
                os.write(write, str(run(json.loads(line))).encode())
            except BaseException as error:
                sys.stderr.write(f"{type(error).__name__}: {error}\n")
                code = 1
            os._exit(code)
        os.close(write)
        with os.fdopen(read) as answer:
            steps = answer.read() or "0"
        status = os.waitpid(child, 0)[1]
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(f"{code} {steps}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "--serve":
        serve()
    else:
        print(f"STEPS {run(json.loads(sys.argv[1]))}", flush=True)
