"""Checks on an output location that turn storage errors into errors saying what to change."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from airflow_provider_ccanalytics.core.errors import ConfigurationError

_AMAZON = "pip install 'airflow-provider-ccanalytics[s3]' (the Amazon provider with s3fs)"
_GOOGLE = "pip install apache-airflow-providers-google gcsfs"
_AZURE = "pip install apache-airflow-providers-microsoft-azure adlfs"
#: what to install for a URI scheme whose filesystem is missing
INSTALL = {"s3": _AMAZON, "s3a": _AMAZON, "gs": _GOOGLE, "gcs": _GOOGLE, "abfs": _AZURE, "abfss": _AZURE, "az": _AZURE}


def filesystem_of(uri: str, error: BaseException | None, get_fs: Callable[[], Any] | None = None) -> Any:
    """The fsspec filesystem ``get_fs`` returns; a missing one (or ``error``) becomes a ConfigurationError.

    :param uri: the output URI (names the scheme in the message).
    :param error: an error already raised while resolving the URI, or None.
    :param get_fs: returns the filesystem (``lambda: path.fs``).
    :raises ConfigurationError: naming the package or extra to install.
    """
    if error is None and get_fs is not None:
        try:
            return get_fs()
        except (ValueError, ImportError) as raised:
            error = raised
    scheme = uri.split("://", 1)[0].lower()
    hint = INSTALL.get(scheme)
    if hint:
        message = f"{uri!r} needs the {scheme}:// filesystem, which is not installed here: {hint}"
    else:
        message = (
            f"no filesystem for {scheme}:// is installed ({error}); use a file:// or s3:// URI, or install the "
            f"Airflow provider and fsspec package for {scheme}://"
        )
    raise ConfigurationError("output", message) from error


def check_writable(fs: Any, path: str, uri: str) -> None:
    """Refuse an output folder that cannot be written, before any data is fetched.

    POSIX: a path through an existing file, or a folder this user cannot write. Object stores: a bucket
    that does not exist or that the connection cannot see.

    :param fs: the filesystem.
    :param path: the partition folder on ``fs``.
    :param uri: the same as a URI (for the message).
    :raises ConfigurationError: saying what to change.
    """
    if "file" not in (fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)):
        bucket = path.split("/", 1)[0]
        if not fs.exists(bucket):
            raise ConfigurationError(
                "output",
                f"bucket {bucket!r} of {uri!r} does not exist or the connection cannot see it: create it, "
                "or fix output / output_conn_id",
            )
        return
    existing = path
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise ConfigurationError(
            "output", f"{existing} is a file, so {uri!r} cannot be a folder: point output at a folder (not a file)"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigurationError(
            "output",
            f"{existing} is not writable by this worker's user (uid {os.getuid()}), so {uri!r} cannot be "
            "written: give that user write access, or point output at a folder it can write",
        )
    os.makedirs(path, exist_ok=True)
