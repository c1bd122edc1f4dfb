"""Recovery, the first step of a partition write: what the folder holds, less what gone writers left.

Run under the partition's commit lock (see :mod:`.lease`). Removes a killed or failed writer's staging folder,
temp files, orphan parts and (on S3) unfinished uploads, but only those whose writer is provably gone; puts
``_SUCCESS`` back on a complete committed partition.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_ccanalytics.outputs.lease import LEASE_PREFIX, LOCK
from airflow_provider_ccanalytics.outputs.storage import HIDDEN_TEMP, Store
from airflow_provider_ccanalytics.outputs.swap import FolderSwap

log = logging.getLogger("airflow_provider_ccanalytics")

MANIFEST = "_manifest.json"
SUCCESS = "_SUCCESS"


@dataclass
class Committed:
    """The committed state of a folder after recovery.

    :param manifest: the committed manifest (None for a fresh partition).
    :param raw: its bytes.
    :param present: the files in the folder after recovery.
    """

    manifest: dict[str, Any] | None
    raw: bytes | None
    present: set[str] = field(default_factory=set)

    def names(self) -> list[str]:
        return [entry["path"] for entry in self.manifest["files"]] if self.manifest else []


def load_manifest(raw: bytes | None) -> dict[str, Any] | None:
    """A manifest from its bytes; None for none or for bytes that are not a manifest."""
    if not raw:
        return None
    try:
        manifest = json.loads(raw)
    except ValueError:
        return None
    return manifest if isinstance(manifest, dict) and isinstance(manifest.get("files"), list) else None


def recover(store: Store) -> Committed:
    """Remove what killed or failed writers left and restore ``_SUCCESS`` on a complete committed partition.

    Run under the commit lock. Only leftovers whose writer is provably gone are removed: a live writer's
    staging folder, temp files and (on S3) unfinished uploads are left alone.
    """
    if store.local:
        leftovers = FolderSwap(store.folder, store.writer)
        for path in leftovers.leftovers(store.writer_gone):
            leftovers.remove(path)
            log.info("Removed %s (a staging or swapped-out folder left by an earlier run)", path)
        _remove_dead_leases(store)
    names = store.files()
    raw = store.read(MANIFEST) if MANIFEST in names else None
    manifest = load_manifest(raw)
    if raw and manifest is None:
        log.warning("%s is not a manifest: the partition is rewritten", store.path(MANIFEST))
    listed = [entry["path"] for entry in manifest["files"]] if manifest else []
    keep = {*listed, MANIFEST, SUCCESS} if manifest else set()
    for name in names:
        if name not in keep and not _in_use(store, name):
            store.remove(name)
            log.info("Removed %s (not in the committed manifest: left by an earlier run)", store.path(name))
    aborted = store.abort_uploads(names)
    if aborted:
        log.info("Aborted %d unfinished multipart upload(s) under %s", aborted, store.folder)
    present = {name for name in names if name in keep}
    if manifest is not None and SUCCESS not in present and all(name in present for name in listed):
        store.put_atomic(SUCCESS, b"")
        present.add(SUCCESS)
    return Committed(manifest, raw if manifest else None, present)


def _in_use(store: Store, name: str) -> bool:
    """Whether a file not in the manifest belongs to a writer that may be live (S3 leases and lock; a live
    POSIX writer's hidden temp file)."""
    base = name.rpartition("/")[2]
    if not store.local:
        return base == LOCK or (base.startswith(LEASE_PREFIX) and "/" not in name)
    match = HIDDEN_TEMP.fullmatch(base)
    return match is not None and not store.writer_gone(match.group("writer"))


def _remove_dead_leases(store: Store) -> None:
    """Delete the POSIX leases of gone writers that left no staging folder (killed before or after it)."""
    pattern = re.compile(re.escape(f".{store.base}.") + r"([0-9a-f]{12})\.lease")
    try:
        names = os.listdir(store.parent)
    except FileNotFoundError:
        return
    for name in names:
        match = pattern.fullmatch(name)
        if match and store.writer_gone(match.group(1)):
            log.info("Removed the lease of writer %s, gone", match.group(1))
