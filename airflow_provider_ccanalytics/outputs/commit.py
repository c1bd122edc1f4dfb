"""The partition commit protocol: staged parts, ``_manifest.json`` as the commit record, ``_SUCCESS`` last.

One write of a partition folder:

1. **recover** what a killed run left: delete every file the committed manifest does not list (a killed
   run's parts and hidden temp files, stale files) and hidden sibling folders of a killed folder swap,
   abort unfinished S3 multipart uploads under the folder, and put ``_SUCCESS`` back when the committed
   partition is complete.
2. **stage** each part where no reader looks. POSIX with an atomic folder exchange (Linux): the whole new
   partition is built in a hidden sibling folder. Otherwise: a hidden ``.part-….tmp`` file in the folder,
   or on object stores an upload not yet completed. A part with no records is discarded; a part
   byte-identical to a committed one is discarded and the committed file kept (hard-linked when swapping).
3. **commit**, only when the manifest changes. Folder swap: put ``_manifest.json`` and ``_SUCCESS`` into
   the staging folder, exchange it with the partition folder (the commit point), delete the old one.
   File by file: delete ``_SUCCESS``; publish the new parts (rename / complete the upload, under names no
   committed manifest lists); put ``_manifest.json`` atomically (the commit point); delete the files of
   the previous manifest; put ``_SUCCESS``.

So ``_manifest.json`` always lists a complete partition, and whenever ``_SUCCESS`` exists the ``part-*``
files of the folder are exactly the ones it lists. No Airflow import (a crash test drives it bare).

Several writers at once (:mod:`.lease`): each holds a lease for its whole write and stages under its own id;
recovery (step 1) and the commit (step 3) run under the partition's commit lock. **The first commit wins**: under
the lock, a writer whose partition was committed by another writer since its own recovery discards its parts
and returns the winner's manifest with ``superseded: true`` (both extracted the same window; the partition is
whole either way). On S3 the manifest is also put with ``If-Match`` on what was checked, a fence against a
writer whose lock expired while it was paused.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from airflow_provider_ccanalytics.outputs.formats import FormatWriter, HashingWriter
from airflow_provider_ccanalytics.outputs.recovery import MANIFEST, SUCCESS, Committed, load_manifest, recover
from airflow_provider_ccanalytics.outputs.storage import StagedFile, Store
from airflow_provider_ccanalytics.outputs.swap import FolderSwap
from airflow_provider_ccanalytics.outputs.tables import RECORDS, PartLayout, TablesWriter

log = logging.getLogger("airflow_provider_ccanalytics")


def part_names(committed: Committed, count: int, suffix: str, table: str = "") -> list[str]:
    """Names for ``count`` new parts that no committed manifest lists (in the folder ``table``, if any).

    A fresh partition gets ``part-00000.<suffix>``...; a replacing run ``part-<token>-00000.<suffix>`` with a
    token from the committed manifest's SHA-256, so names are deterministic yet never those a reader of the
    committed partition may be reading.
    """
    taken = set(committed.names())
    token = hashlib.sha256(committed.raw).hexdigest()[:8] + "-" if committed.raw else ""
    folder = f"{table}/" if table else ""
    names = []
    for index in range(count):
        name = f"{folder}part-{token}{index:05d}.{suffix}"
        while name in taken:  # a hash fixed point: never overwrite a committed file
            name = f"{folder}x{name[len(folder) :]}"
        names.append(name)
    return names


def encode(manifest: dict[str, Any]) -> bytes:
    """The manifest's bytes (sorted keys: the same partition gives the same bytes)."""
    return json.dumps(manifest, indent=2, sort_keys=True, default=str).encode()


@dataclass
class Staged:
    """A written, not yet published part and its manifest entry."""

    file: StagedFile
    entry: dict[str, Any]


def stage_parts(
    store: Store,
    names: dict[str, list[str]],
    sources: Sequence[Callable[[], Iterator[dict[str, Any]]]],
    layout: PartLayout,
    progress: Callable[[int], None],
    max_workers: int,
) -> list[Staged]:
    """Write every source to its staged parts, one per table (concurrently); on failure discard them all and raise.

    :param names: the part names of each table, one per source.
    """
    opened: list[StagedFile] = []
    lock = threading.Lock()

    def write_one(index: int) -> list[Staged]:
        files, hashing, buffered = {}, {}, {}
        for table in layout.tables:
            files[table] = store.stage(names[table][index])
            with lock:
                opened.append(files[table])
            hashing[table] = HashingWriter(files[table].handle)
            # the storage handle's write() is costly per call (path bookkeeping): hand it 1 MiB at a time
            buffered[table] = io.BufferedWriter(hashing[table], buffer_size=1 << 20)
        try:
            rows = layout.write(buffered, sources[index](), progress)
        finally:
            for handle in buffered.values():
                handle.close()
        staged = []
        for table in layout.tables:
            files[table].close()
            entry = {"path": names[table][index], "records": rows.get(table, 0), "bytes": hashing[table].size}
            entry["sha256"] = hashing[table].sha256.hexdigest()
            staged.append(Staged(files[table], {**entry, "table": table} if table else entry))
        return staged

    try:
        if max_workers > 1 and len(sources) > 1:
            with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="ccanalytics-part") as pool:
                return [part for parts in pool.map(write_one, range(len(sources))) for part in parts]
        return [part for index in range(len(sources)) for part in write_one(index)]
    except BaseException:
        for staged in opened:
            staged.discard()
        raise


def commit_partition(
    store: Store,
    sources: Sequence[Callable[[], Iterator[dict[str, Any]]]],
    *,
    writer: FormatWriter | None = None,
    suffix: str = "jsonl.gz",
    describe: Callable[[list[dict[str, Any]]], dict[str, Any]],
    progress: Callable[[int], None] = lambda added: None,
    max_workers: int = 1,
    swap_folder: bool = True,
    layout: PartLayout | None = None,
) -> dict[str, Any]:
    """Write and commit one partition folder; returns its manifest.

    :param store: the partition folder.
    :param sources: one callable per part; each returns the records of that part.
    :param writer: the format writer of a one-table part (or give ``layout``).
    :param suffix: the part files' suffix (``jsonl.gz``, ``parquet``) with ``writer``.
    :param describe: builds the manifest from the list of file entries (called once the parts are written).
    :param progress: called with record counts as they are written.
    :param max_workers: parts written concurrently.
    :param swap_folder: on POSIX, build the partition in a hidden sibling folder and swap it in (where the
        kernel can); False commits file by file in the folder, as on object stores.
    :param layout: the tables of each part and their writer (instead of ``writer`` and ``suffix``).
    """
    if layout is None:
        if writer is None:
            raise TypeError("commit_partition needs writer or layout")
        layout = PartLayout(suffix, (RECORDS,), _one_table(writer))
    store.begin()
    try:
        with store.locked():
            committed = recover(store)
        swap = store.start_swap(allowed=swap_folder)
        try:
            return _write(store, committed, sources, layout, describe, progress, max_workers)
        finally:
            if swap is not None:
                swap.drop()  # the unfinished new partition, or the old one once swapped out
    finally:
        store.end()


def _write(
    store: Store,
    committed: Committed,
    sources: Sequence[Callable[[], Iterator[dict[str, Any]]]],
    layout: PartLayout,
    describe: Callable[[list[dict[str, Any]]], dict[str, Any]],
    progress: Callable[[int], None],
    max_workers: int,
) -> dict[str, Any]:
    names = {table: part_names(committed, len(sources), layout.suffix, table) for table in layout.tables}
    staged = stage_parts(store, names, sources, layout, progress, max_workers)
    reusable = {
        (entry.get("table", ""), entry["sha256"], entry["bytes"], entry["records"]): entry["path"]
        for entry in (committed.manifest["files"] if committed.manifest else [])
        if entry.get("path") in committed.present
    }
    files, publish = [], []
    for part in staged:
        key = (part.entry.get("table", ""), part.entry["sha256"], part.entry["bytes"], part.entry["records"])
        if part.entry["records"] == 0 or key in reusable:
            part.file.discard()  # an empty part is not written; an identical one keeps its committed file
            if part.entry["records"]:
                files.append({**part.entry, "path": reusable.pop(key)})
            continue
        files.append(part.entry)
        publish.append(part)
    try:
        manifest = describe(files)
        raw = encode(manifest)
    except BaseException:
        for part in publish:
            part.file.discard()
        raise
    if raw == committed.raw and SUCCESS in committed.present:
        log.info("Partition %s unchanged: nothing to commit", store.folder)
        return manifest
    with store.locked():
        etag = store.leases.etag(MANIFEST) if store.leases is not None else None
        current = store.read(MANIFEST)
        if current != committed.raw:  # another writer committed since this one's recovery: it won
            return _superseded(store, publish, current, manifest)
        if store.swap is not None:
            reused = {entry["path"] for entry in files} - {part.entry["path"] for part in publish}
            _commit_swap(store.swap, reused, raw)
        elif not _commit(store, committed, publish, raw, etag):
            return _superseded(store, [], store.read(MANIFEST), manifest)
    return manifest


def _superseded(store: Store, publish: list[Staged], current: bytes | None, manifest: dict[str, Any]) -> dict[str, Any]:
    """End a writer that lost the race cleanly: discard its parts, return the winner's manifest marked so."""
    for part in publish:
        part.file.discard()
    log.warning(
        "Partition %s was committed by another writer while this one extracted it: the first commit wins, "
        "this writer's output is discarded (the partition is complete either way)",
        store.folder,
    )
    return {**(load_manifest(current) or manifest), "superseded": True}


def _commit_swap(swap: FolderSwap, reused: set[str], raw: bytes) -> None:
    """Complete the staging folder (unchanged files hard-linked, manifest, ``_SUCCESS``) and swap it in."""
    for name in sorted(reused):
        swap.adopt(name)
    swap.put(MANIFEST, raw)
    swap.put(SUCCESS, b"")
    swap.swap_in()  # the commit point: the folder is now the new partition, whole


def _commit(store: Store, committed: Committed, publish: list[Staged], raw: bytes, etag: str | None) -> bool:
    """Publish the staged parts, put the manifest (the commit point), delete the old files, put ``_SUCCESS``.

    On S3 the manifest is put only if it still has ``etag`` (absent: only if still absent), which fences a
    writer whose commit lock expired; False (parts removed again) when that condition failed.
    """
    store.remove(SUCCESS)
    published: list[str] = []
    try:
        for part in publish:
            part.file.publish()
            published.append(part.entry["path"])
    except BaseException:  # not committed: back to the previous partition
        for name in published:
            store.remove(name)
        for part in publish[len(published) :]:
            part.file.discard()
        if committed.manifest is not None and all(name in committed.present for name in committed.names()):
            store.put_atomic(SUCCESS, b"")
        raise
    if store.leases is not None:
        if not store.leases.put_if(MANIFEST, raw, etag):  # the commit point, fenced
            for name in published:
                store.remove(name)
            return False
    else:
        store.put_atomic(MANIFEST, raw)  # the commit point (if this fails, the next run's recovery decides)
    kept = {entry["path"] for entry in load_manifest(raw)["files"]}  # type: ignore[index]
    for name in committed.names():
        if name not in kept:
            store.remove(name)
    store.put_atomic(SUCCESS, b"")
    return True


def _one_table(writer: FormatWriter) -> TablesWriter:
    """A one-table writer as a tables writer."""
    return lambda handles, records, progress: {RECORDS: writer(handles[RECORDS], records, progress)}
