"""POSIX: build the new partition in a hidden sibling folder and swap it with the old one in one step.

Linux's ``renameat2(RENAME_EXCHANGE)`` exchanges two folders atomically, so a reader that lists the partition
folder sees the whole old partition or the whole new one, never a mix, at every instant (a kill included).
Where the call is missing or refused (other kernels, NFS), :func:`exchange_supported` says so and the writer
commits file by file in the folder instead (as on object stores).
"""

from __future__ import annotations

import ctypes
import logging
import os
import re
import shutil
import uuid
from collections.abc import Callable

log = logging.getLogger("airflow_provider_ccanalytics")

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_SUPPORTED: dict[int, bool] = {}


def exchange(first: str, second: str) -> None:
    """Exchange two existing paths atomically (Linux ``renameat2`` with ``RENAME_EXCHANGE``).

    :raises OSError: when the call is missing or refused (``ENOSYS``, ``EINVAL`` on filesystems without it).
    """
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        raise OSError(38, "renameat2 is not available")
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error), first)


def exchange_supported(parent: str) -> bool:
    """Whether folders in ``parent`` can be exchanged atomically (probed once per filesystem)."""
    device = os.stat(parent).st_dev
    if device not in _SUPPORTED:
        first, second = (f"{parent}/.ccanalytics-probe-{uuid.uuid4().hex[:12]}.tmp" for _ in range(2))
        try:
            os.mkdir(first)
            os.mkdir(second)
            exchange(first, second)
            _SUPPORTED[device] = True
        except OSError as error:
            log.info("No atomic folder exchange under %s (%s): committing file by file", parent, error)
            _SUPPORTED[device] = False
        finally:
            for path in (first, second):
                if os.path.isdir(path):
                    os.rmdir(path)
    return _SUPPORTED[device]


def _fsync_folder(path: str) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


class FolderSwap:
    """The hidden sibling folder ``.<partition>.<writer id>.tmp`` where the new partition is built.

    :param folder: the partition folder.
    :param writer: the writer's id (see :mod:`.lease`).
    """

    def __init__(self, folder: str, writer: str = "") -> None:
        self.folder = folder
        self.parent, self.base = os.path.split(folder)
        self.writer = writer or uuid.uuid4().hex[:12]
        self.staging = ""

    def leftovers(self, gone: Callable[[str], bool]) -> list[str]:
        """Sibling folders a killed run left (its staging folder, or the old partition it swapped out).

        :param gone: whether the writer of this id is provably gone; a live writer's folder is never listed.
        """
        pattern = re.compile(re.escape(f".{self.base}.") + r"(.+)\.tmp")
        try:
            names = os.listdir(self.parent)
        except FileNotFoundError:
            return []
        found = []
        for name in sorted(names):
            match = pattern.fullmatch(name)
            if match and match.group(1) != self.writer and gone(match.group(1)):
                found.append(f"{self.parent}/{name}")
        return found

    def remove(self, path: str) -> None:
        """Delete a leftover or swapped-out folder."""
        shutil.rmtree(path, ignore_errors=True)

    def open(self) -> str:
        """Create the staging folder; returns its path."""
        self.staging = f"{self.parent}/.{self.base}.{self.writer}.tmp"
        os.makedirs(self.staging)
        return self.staging

    def adopt(self, name: str) -> None:
        """Hard-link an unchanged committed file into the staging folder (same bytes, same name, no copy)."""
        os.makedirs(os.path.dirname(f"{self.staging}/{name}"), exist_ok=True)  # a flattened table's folder
        try:
            os.link(f"{self.folder}/{name}", f"{self.staging}/{name}")
        except OSError:  # no hard links here (some network filesystems): copy
            shutil.copyfile(f"{self.folder}/{name}", f"{self.staging}/{name}")

    def put(self, name: str, data: bytes) -> None:
        """Write a small file into the staging folder (fsynced)."""
        with open(f"{self.staging}/{name}", "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

    def swap_in(self) -> None:
        """Make the staging folder the partition in one step; the old partition moves to the staging path."""
        _fsync_folder(self.staging)
        if os.path.isdir(self.folder):
            exchange(self.staging, self.folder)
        else:
            os.rename(self.staging, self.folder)
        _fsync_folder(self.parent)

    def drop(self) -> None:
        """Delete the staging path (the unfinished new partition, or the old one after the swap)."""
        if self.staging:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = ""
