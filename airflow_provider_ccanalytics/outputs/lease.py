"""Who is writing a partition: each writer's lease, the commit lock, and whether a leftover's writer is gone.

Several writers may write one partition at once (a manual rerun while a scheduled run's lookback covers the
same day; catch-up with ``max_active_runs`` > 1). Each writer has an id of its own and stages under names
carrying it; clean-up removes a leftover only when its writer is provably gone; the short commit phase
(recovery, the check that nobody committed since, publishing, the manifest) runs under a per-partition lock.

The storage's own primitives, no home-made protocol:

- **POSIX**: the lease is a file ``.<partition>.<writer>.lease`` next to the partition folder, held with
  ``flock`` for the writer's lifetime: the kernel releases it when the process ends, however it ends, so a
  cleaner that can take the lock knows the writer is gone. The commit lock is ``flock`` on the parent folder
  (blocking; the kernel releases it on death). Same host or a filesystem with working ``flock`` only: on NFS
  use an object store.
- **S3**: the lease is an object ``_lease-<writer>.json`` holding its expiry, renewed by a heartbeat thread; a
  writer is gone when its lease expired or does not exist. The commit lock is ``_commit.lock`` created with
  ``If-None-Match: *`` (taken over with ``If-Match`` once expired), and the manifest, the commit point, is put
  with ``If-Match``/``If-None-Match`` on what the writer checked, which fences a writer whose lock expired.
  Lease expiries are on the writers' clocks: keep them in sync (NTP) within a fraction of ``lease_seconds``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import random
import re
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

from airflow_provider_ccanalytics.core.errors import PartitionBusyError

log = logging.getLogger("airflow_provider_ccanalytics")

#: a writer id: 12 hex digits (named in every staged file, folder, upload-owning lease)
WRITER = re.compile(r"[0-9a-f]{12}")
#: the default lease of an S3 writer (renewed every third of it while the writer lives)
LEASE_SECONDS = 600.0
LOCK = "_commit.lock"
LEASE_PREFIX = "_lease-"


def new_writer() -> str:
    """A fresh writer id."""
    return uuid.uuid4().hex[:12]


def local_lease_path(parent: str, base: str, writer: str) -> str:
    return f"{parent}/.{base}.{writer}.lease"


class LocalLease:
    """A POSIX writer's lease: ``.<partition>.<writer>.lease`` in the parent folder, ``flock``-ed while it lives.

    :param parent: the partition's parent folder.
    :param base: the partition folder's name.
    :param writer: the writer id.
    """

    def __init__(self, parent: str, base: str, writer: str) -> None:
        self.path = local_lease_path(parent, base, writer)
        self.handle = -1

    def acquire(self) -> None:
        """Create and lock the lease (checking a cleaner did not unlink it between create and lock)."""
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        while True:
            handle = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                if os.stat(self.path).st_ino == os.fstat(handle).st_ino:
                    self.handle = handle
                    return
            except FileNotFoundError:
                pass
            os.close(handle)

    def release(self) -> None:
        """Delete the lease (while still holding it), then let it go."""
        if self.handle >= 0:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path)
            os.close(self.handle)
            self.handle = -1


def local_writer_gone(parent: str, base: str, writer: str) -> bool:
    """Whether a POSIX writer is gone: its lease does not exist, or nobody holds its ``flock`` (then removed)."""
    path = local_lease_path(parent, base, writer)
    try:
        handle = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return True  # a lease exists from before a writer stages until after it has cleaned up
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            os.close(handle)
            return False
        raise
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)  # still holding its lock: the dead writer's lease goes with its leftovers
    os.close(handle)
    return True


@contextlib.contextmanager
def local_lock(parent: str) -> Iterator[None]:
    """The commit lock of the partitions in ``parent``: ``flock`` on the folder itself (no file to leave)."""
    os.makedirs(parent, exist_ok=True)
    handle = os.open(parent, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


def conflict(error: BaseException) -> bool:
    """Whether an S3 error (as s3fs raises it) is a failed condition (412) or a concurrent conditional write."""
    if isinstance(error, FileExistsError):
        return True
    response = getattr(error.__cause__, "response", None) or getattr(error, "response", None) or {}
    return response.get("Error", {}).get("Code") in ("PreconditionFailed", "412", "ConditionalRequestConflict")


def missing(error: BaseException) -> bool:
    response = getattr(error.__cause__, "response", None) or {}
    return isinstance(error, FileNotFoundError) or response.get("Error", {}).get("Code") in ("NoSuchKey", "404")


class S3Leases:
    """An S3 writer's lease object and the partition's commit lock (conditional writes).

    :param fs: the s3fs filesystem.
    :param folder: the partition folder (``bucket/key``).
    :param writer: this writer's id.
    :param seconds: the lease and lock expiry (renewed every third of it while the writer lives).
    """

    def __init__(self, fs: Any, folder: str, writer: str, seconds: float = LEASE_SECONDS) -> None:
        self.fs, self.writer, self.seconds = fs, writer, seconds
        self.bucket, key, _ = fs.split_path(folder)
        self.prefix = key.rstrip("/") + "/"
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    def _body(self) -> bytes:
        return json.dumps({"writer": self.writer, "expires": time.time() + self.seconds}).encode()

    def _put(self, name: str, **condition: str) -> None:
        self.fs.call_s3("put_object", Bucket=self.bucket, Key=self.prefix + name, Body=self._body(), **condition)

    def _get(self, name: str) -> tuple[dict[str, Any], str] | None:
        try:
            answer = self.fs.call_s3("get_object", Bucket=self.bucket, Key=self.prefix + name)
        except OSError as error:
            if missing(error):
                return None
            raise
        data = _read_body(self.fs, answer["Body"])
        try:
            record = json.loads(data)
        except ValueError:
            record = {}
        return (record if isinstance(record, dict) else {}), answer["ETag"]

    def start(self) -> None:
        """Put this writer's lease and renew it until :meth:`stop`."""
        name = f"{LEASE_PREFIX}{self.writer}.json"
        self._put(name)
        if self.seconds > 0:

            def renew() -> None:
                while not self.stopped.wait(self.seconds / 3):
                    try:
                        self._put(name)
                    except OSError as error:  # the next beat tries again; the lease holds until it expires
                        log.warning("Could not renew the writer lease %s: %s", self.prefix + name, error)

            self.thread = threading.Thread(target=renew, name="ccanalytics-lease", daemon=True)
            self.thread.start()

    def stop(self) -> None:
        """Stop renewing and delete the lease."""
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(timeout=30)
        self.remove(f"{LEASE_PREFIX}{self.writer}.json")

    def remove(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.call_s3("delete_object", Bucket=self.bucket, Key=self.prefix + name)

    def live_others(self, names: list[str]) -> set[str]:
        """The other writers whose lease in ``names`` (the folder's files) has not expired; expired ones are deleted."""
        live = set()
        for name in names:
            if not (name.startswith(LEASE_PREFIX) and name.endswith(".json")):
                continue
            writer = name[len(LEASE_PREFIX) : -len(".json")]
            if writer == self.writer:
                continue
            found = self._get(name)
            if found is not None and float(found[0].get("expires", 0)) > time.time():
                live.add(writer)
            else:
                self.remove(name)
                log.info("Removed the expired lease of writer %s under %s", writer, self.prefix)
        return live

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold ``_commit.lock``: create it if absent, take it over once expired, else wait (at most two expiries).

        :raises PartitionBusyError: another live writer held it all that time (retryable).
        """
        deadline = time.monotonic() + 2 * max(self.seconds, 30.0)
        pause = 0.05
        while True:
            try:
                self._put(LOCK, IfNoneMatch="*")
                break
            except OSError as error:
                if not conflict(error):
                    raise
            found = self._get(LOCK)
            if found is not None and float(found[0].get("expires", 0)) <= time.time():
                try:
                    self._put(LOCK, IfMatch=found[1])  # the holder's lease ran out: take it over
                    log.warning("Took over the expired commit lock of writer %s", found[0].get("writer"))
                    break
                except OSError as error:
                    if not conflict(error):
                        raise
            if time.monotonic() > deadline:
                raise PartitionBusyError(
                    f"s3://{self.bucket}/{self.prefix} is being committed by another writer "
                    f"({found[0].get('writer') if found else 'unknown'}): retry the task"
                )
            time.sleep(pause * (1 + random.random()))
            pause = min(pause * 2, 2.0)
        try:
            yield
        finally:
            self.remove(LOCK)

    def etag(self, name: str) -> str | None:
        """The ETag of a file, None when absent."""
        try:
            return str(self.fs.call_s3("head_object", Bucket=self.bucket, Key=self.prefix + name)["ETag"])
        except OSError as error:
            if missing(error):
                return None
            raise

    def put_if(self, name: str, data: bytes, etag: str | None) -> bool:
        """Put ``data`` only if the file still has ``etag`` (None: only if absent); False when it changed."""
        condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
        try:
            self.fs.call_s3("put_object", Bucket=self.bucket, Key=self.prefix + name, Body=data, **condition)
        except OSError as error:
            if conflict(error):
                return False
            raise
        return True


def _read_body(fs: Any, body: Any) -> bytes:
    """The bytes of an aiobotocore streaming body, read on s3fs's event loop."""
    from fsspec.asyn import sync

    async def read() -> bytes:
        async with body as stream:
            return bytes(await stream.read())

    return sync(fs.loop, read)
