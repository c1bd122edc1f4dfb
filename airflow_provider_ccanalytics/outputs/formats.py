"""Part file formats: gzip JSON lines (fixed header, byte-identical on rerun) and parquet; hashing and progress."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import io
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from airflow_provider_ccanalytics.core import jsoncodec
from airflow_provider_ccanalytics.core.errors import ConfigurationError

log = logging.getLogger("airflow_provider_ccanalytics")

FORMATS = ("jsonl.gz", "parquet", "delta")
#: the modules a file format needs beyond the core install, each with the extra that installs it
FORMAT_MODULES: dict[str, tuple[tuple[str, str], ...]] = {
    "parquet": (("pyarrow", "parquet"),),
    "delta": (("pyarrow", "delta"), ("deltalake", "delta")),
}
#: writes records to a binary handle, reports progress, returns the record count
FormatWriter = Callable[[Any, Iterable[dict[str, Any]], Callable[[int], None]], int]


class HashingWriter(io.RawIOBase):
    """Passes bytes to ``target`` while counting them and hashing them with SHA-256.

    :param target: a binary handle (the staged part).
    """

    def __init__(self, target: Any) -> None:
        self.target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def close(self) -> None:  # the storage handle is closed by its owner
        self.flush()
        super().close()

    def write(self, data: Any) -> int:
        view = bytes(data)
        self.sha256.update(view)
        self.size += len(view)
        self.target.write(view)
        return len(view)


def write_jsonl_gz(handle: Any, records: Iterable[dict[str, Any]], progress: Callable[[int], None]) -> int:
    """One JSON object per line, gzip with mtime 0 and no file name (the same records give the same bytes)."""
    count = 0
    with gzip.GzipFile(fileobj=handle, mode="wb", mtime=0, filename="", compresslevel=6) as zipped:
        for record in records:
            zipped.write(jsoncodec.dumps(record) + b"\n")
            count += 1
            if count % 10_000 == 0:
                progress(10_000)
    progress(count % 10_000)
    return count


def format_writer(output_format: str) -> FormatWriter:
    """The record writer of ``output_format`` for one untyped part; raises ConfigurationError for an unknown one.

    Typed and flattened parts (parquet, ``layout="tables"``) are written by :mod:`.tables`.
    """
    if output_format not in FORMATS:
        raise ConfigurationError("output_format", f"{output_format!r} is not one of {FORMATS}")
    return write_jsonl_gz


def check_output_options(output_format: str, layout: str, to_xcom: bool) -> None:
    """Refuse a combination of output options that would be silently ignored (called before any request).

    :param output_format: ``jsonl.gz``, ``parquet`` or ``delta``.
    :param layout: ``records`` or ``tables``.
    :param to_xcom: whether the records go to XCom (no ``output``).
    :raises ConfigurationError: an unknown format; ``delta`` with ``layout="tables"``; a file format or layout
        other than the defaults with XCom output. The message names what to change.
    """
    format_writer(output_format)
    if not to_xcom:
        require_format_modules(output_format)
    if to_xcom and output_format != FORMATS[0]:
        raise ConfigurationError(
            "output_format",
            f"{output_format!r} applies to files only, but output is not set (the records go to XCom as they are): "
            "set output='file:///...' or 's3://...', or remove output_format",
        )
    if to_xcom and layout != "records":
        raise ConfigurationError(
            "layout",
            f"layout={layout!r} applies to files only, but output is not set (the records go to XCom as they are): "
            "set output='file:///...' or 's3://...', or remove layout",
        )
    if output_format == "delta" and layout != "records":
        raise ConfigurationError(
            "layout",
            f"output_format='delta' writes one Delta table per dataset with the records layout, not "
            f"layout={layout!r}: use layout='records' with delta, or output_format='parquet' (or 'jsonl.gz') "
            "with layout='tables'",
        )


class Progress:
    """Counts records across threads and logs the rate at most every 10 s.

    :param label: names the partition in the log.
    """

    def __init__(self, label: str) -> None:
        self.label, self.count, self.started, self.last_log = label, 0, time.monotonic(), 0.0
        self.lock = threading.Lock()

    def __call__(self, added: int) -> None:
        with self.lock:
            self.count += added
            now = time.monotonic()
            if not added or now - self.last_log <= 10:
                return
            self.last_log = now
            rate = self.count / max(now - self.started, 1e-9)
            log.info("%s: %d records written (%.0f records/s)", self.label, self.count, rate)


def require_format_modules(output_format: str) -> None:
    """Refuse a file format whose optional modules are not installed, naming the extra (checked when the operator
    is built, so a DAG fails at parse time, not after the token and sizing requests of its first run).

    :param output_format: ``jsonl.gz``, ``parquet`` or ``delta``.
    :raises ConfigurationError: naming the module and the extra that installs it.
    """
    for module, extra in FORMAT_MODULES.get(output_format, ()):
        if not importable(module):
            raise ConfigurationError(
                "output_format",
                f"{output_format} needs {module}, which is not installed: "
                f"pip install 'airflow-provider-ccanalytics[{extra}]' (or use output_format='jsonl.gz')",
            )


def importable(module: str) -> bool:
    """Whether ``module`` can be imported here, without importing it (DAG parsing stays cheap)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent missing, or a module blocked in sys.modules
        return False
