"""The file operations of the commit protocol on one partition folder: POSIX, S3, or another fsspec store.

Every change the protocol makes goes through :class:`Store` and :class:`StagedFile` (a crash test wraps
them to kill the writer at each step). No Airflow import: it runs on a bare fsspec filesystem.

Each ``Store`` is one writer (its own id, see :mod:`.lease`): its temp files and staging folder carry that id,
and :meth:`Store.writer_gone` says whether another writer's leftovers may be removed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from typing import Any

from airflow_provider_ccanalytics.outputs.lease import (
    LEASE_SECONDS,
    LocalLease,
    S3Leases,
    local_lock,
    local_writer_gone,
    new_writer,
)
from airflow_provider_ccanalytics.outputs.swap import FolderSwap, exchange_supported

log = logging.getLogger("airflow_provider_ccanalytics")


def _is_local(fs: Any) -> bool:
    protocol = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
    return "file" in protocol or "local" in protocol


#: a hidden temp file's name: ``.<final name>.<writer id>.tmp``
HIDDEN_TEMP = re.compile(r"\.(?P<name>.+)\.(?P<writer>[0-9a-f]{12})\.tmp")


def _hidden_temp(folder: str, name: str, writer: str) -> str:
    """A staging name in the folder that folder readers skip (leading dot), naming its writer."""
    return f"{folder}/.{name}.{writer}.tmp"


def _local_files(folder: str, depth: int = 1) -> list[str]:
    """Files under a local folder, ``depth`` levels of sub-folders deep (relative names)."""
    try:
        with os.scandir(folder) as entries:
            listed = list(entries)
    except FileNotFoundError:
        return []
    names = [entry.name for entry in listed if not entry.is_dir()]
    for entry in listed:
        if entry.is_dir() and depth:
            names.extend(f"{entry.name}/{name}" for name in _local_files(entry.path, depth - 1))
    return names


class StagedFile:
    """A part being written where no reader looks, published under its final name in one atomic step.

    POSIX: a file in the hidden staging folder that replaces the partition folder as a whole (Linux), or a
    hidden temp file in the partition folder, renamed into place. Object stores (S3, GCS, Azure): an upload
    opened with ``autocommit=False`` (on S3 a multipart upload) that ``publish`` completes.

    :param store: the partition folder.
    :param name: the final file name.
    """

    def __init__(self, store: Store, name: str) -> None:
        self.store, self.name = store, name
        self.final = store.path(name)
        if store.local:
            base = name.rpartition("/")[2]  # a flattened table's part: in the table's folder
            if store.swap:
                self.temp = f"{store.swap.staging}/{name}"
            else:
                self.temp = _hidden_temp(os.path.dirname(self.final), base, store.writer)
            os.makedirs(os.path.dirname(self.temp), exist_ok=True)
            self.handle: Any = open(self.temp, "wb")  # noqa: SIM115 (closed by close())
        else:
            self.temp = self.final
            self.handle = store.fs.open(self.final, "wb", autocommit=False)

    def close(self) -> None:
        """Flush and close the handle (POSIX: fsync, so a published part survives a power cut)."""
        if self.store.local and not self.handle.closed:
            self.handle.flush()
            os.fsync(self.handle.fileno())
        self.handle.close()

    def publish(self) -> None:
        """Make the part visible under its final name (rename / complete the upload)."""
        if self.store.local:
            os.replace(self.temp, self.final)
        else:
            self.handle.commit()

    def discard(self) -> None:
        """Throw the staged part away (delete the temp file / abort the upload)."""
        try:
            if self.store.local:
                if not self.handle.closed:
                    self.handle.close()
                os.remove(self.temp)
                if "/" in self.name:  # a flattened table's folder that got no part stays absent
                    with contextlib.suppress(OSError):  # it holds other parts
                        os.rmdir(os.path.dirname(self.temp))
            else:
                self.handle.discard()
        except (OSError, RuntimeError) as error:  # best effort: a next run removes what is left
            log.warning("Could not discard the staged %s: %s", self.name, error)


class Store:
    """One partition folder on an fsspec filesystem.

    :param fs: the filesystem (``ObjectStoragePath.fs``).
    :param folder: the folder's path on ``fs`` (``ObjectStoragePath.path``; no protocol).
    :param lease_seconds: on S3, how long this writer's lease and commit lock last without renewal (another
        writer treats it as gone after that); POSIX leases end with the process.
    """

    def __init__(self, fs: Any, folder: str, lease_seconds: float = LEASE_SECONDS) -> None:
        self.fs = fs
        self.folder = folder.rstrip("/")
        self.local = _is_local(fs)
        #: this writer's id (in its temp files, staging folder and lease)
        self.writer = new_writer()
        #: the staging folder of a write by folder swap (POSIX where the kernel exchanges folders atomically)
        self.swap: FolderSwap | None = None
        self.parent, self.base = os.path.split(self.folder)
        self.local_lease: LocalLease | None = None
        #: S3 leases and lock (None off S3: other object stores have no conditional writes through fsspec)
        self.leases: S3Leases | None = None
        if not self.local and getattr(fs, "call_s3", None) is not None:
            self.leases = S3Leases(fs, self.folder, self.writer, lease_seconds)

    def begin(self) -> None:
        """Take this writer's lease (before anything is staged)."""
        if self.local:
            self.local_lease = LocalLease(self.parent, self.base, self.writer)
            self.local_lease.acquire()
        elif self.leases is not None:
            self.leases.start()

    def end(self) -> None:
        """Give the lease back (after everything staged is published or discarded)."""
        if self.local_lease is not None:
            self.local_lease.release()
            self.local_lease = None
        elif self.leases is not None:
            self.leases.stop()

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the partition's commit lock (POSIX: ``flock`` on the parent folder; S3: ``_commit.lock``)."""
        if self.local:
            with local_lock(self.parent):
                yield
        elif self.leases is not None:
            with self.leases.lock():
                yield
        else:
            yield

    def writer_gone(self, writer: str) -> bool:
        """Whether another POSIX writer is provably gone (its lease is not held), so its leftovers may go."""
        return writer != self.writer and local_writer_gone(self.parent, self.base, writer)

    def start_swap(self, allowed: bool = True) -> FolderSwap | None:
        """Open a staging folder for a write by folder swap, when this is POSIX and the kernel can do it."""
        if self.local and allowed and os.path.isdir(self.parent) and exchange_supported(self.parent):
            self.swap = FolderSwap(self.folder, self.writer)
            self.swap.open()
        return self.swap

    def path(self, name: str) -> str:
        return f"{self.folder}/{name}"

    def files(self) -> list[str]:
        """The files in the folder, hidden ones included, and those in its table folders (as ``table/name``)."""
        if self.local:
            return sorted(_local_files(self.folder))
        try:
            self.fs.invalidate_cache(self.folder)
            found = self.fs.find(self.folder + "/", detail=False)
        except FileNotFoundError:
            return []
        prefix = self.folder.split("://", 1)[-1].rstrip("/") + "/"
        names = [str(path)[len(prefix) :] for path in found if str(path).startswith(prefix)]
        return sorted(name for name in names if name.count("/") <= 1)

    def read(self, name: str) -> bytes | None:
        """The bytes of a file, or None when it does not exist."""
        try:
            if self.local:
                with open(self.path(name), "rb") as handle:
                    return handle.read()
            return bytes(self.fs.cat_file(self.path(name)))
        except FileNotFoundError:
            return None

    def put_atomic(self, name: str, data: bytes) -> None:
        """Replace a small file in one step (POSIX: temp file, fsync, rename; object stores: one PUT)."""
        if not self.local:
            self.fs.pipe_file(self.path(name), data)
            return
        temp = _hidden_temp(self.folder, name, self.writer)
        try:
            with open(temp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path(name))
        except BaseException:
            if os.path.exists(temp):
                os.remove(temp)
            raise

    def remove(self, name: str) -> None:
        """Delete a file; a missing one is fine."""
        try:
            if self.local:
                os.remove(self.path(name))
            else:
                self.fs.rm_file(self.path(name))
        except FileNotFoundError:
            pass

    def stage(self, name: str) -> StagedFile:
        """Open a staged part that publishes as ``name``."""
        return StagedFile(self, name)

    def abort_uploads(self, names: list[str] | None = None) -> int:
        """Abort unfinished S3 multipart uploads under the folder (a killed run's staged parts); returns how many.

        An upload's key does not say which writer opened it: while another writer's lease in ``names`` (the
        folder's files) is live, none is aborted (a later run with no live writer aborts what is left).
        """
        call = getattr(self.fs, "call_s3", None)
        if self.local or call is None:
            return 0
        if self.leases is not None:
            live = self.leases.live_others(names if names is not None else self.files())
            if live:
                log.info("Left unfinished uploads under %s alone: writer(s) %s are live", self.folder, sorted(live))
                return 0
        bucket, key, _ = self.fs.split_path(self.folder)
        prefix = key.rstrip("/") + "/"
        aborted, markers = 0, dict[str, str]()
        while True:
            page = call("list_multipart_uploads", Bucket=bucket, Prefix=prefix, **markers)
            for upload in page.get("Uploads", []) or []:
                if upload["Key"].startswith(prefix):
                    call("abort_multipart_upload", Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
                    aborted += 1
            if not page.get("IsTruncated"):
                return aborted
            markers = {"KeyMarker": page["NextKeyMarker"], "UploadIdMarker": page["NextUploadIdMarker"]}

    def pending_uploads(self) -> int:
        """How many unfinished multipart uploads are under the folder (0 off S3)."""
        call = getattr(self.fs, "call_s3", None)
        if self.local or call is None:
            return 0
        bucket, key, _ = self.fs.split_path(self.folder)
        page = call("list_multipart_uploads", Bucket=bucket, Prefix=key.rstrip("/") + "/")
        return len(page.get("Uploads", []) or [])
