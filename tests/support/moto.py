"""A moto S3 server for the tests: started on a free 127.0.0.1 port, waited for, stopped by its PID."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import requests


@contextlib.contextmanager
def moto_server(deadline_seconds: float = 120.0) -> Iterator[str]:
    """Yield the endpoint of a running ``moto.server`` (generous deadline: moto imports slowly on a busy machine)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + deadline_seconds
        while True:
            try:
                requests.get(endpoint, timeout=10)
                break
            except requests.RequestException:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"moto did not answer on {endpoint} within {deadline_seconds:.0f} s") from None
                time.sleep(0.5)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=30)
