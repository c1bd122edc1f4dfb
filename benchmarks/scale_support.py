"""What benchmarks/scale.py and its worker processes share: a file token store, redis-server, the start barrier,
and the sandbox's counters read as the table's columns."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from airflow_provider_ccanalytics.core.auth import Token

HERE = Path(__file__).resolve().parent


class FileTokenStore:
    """A TokenStore in one JSON file, locked while read or written: the processes of one benchmark share a token
    through it as Airflow workers share one through Variables (the provider's default store needs a metadata DB).

    :param path: the file.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                records = json.loads(self.path.read_text()) if self.path.exists() else {}
                yield records
                self.path.write_text(json.dumps(records))
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def load(self, key: str) -> Token | None:
        with self._locked() as records:
            record = records.get(key)
        return Token.from_record(record) if record else None

    def save(self, key: str, token: Token) -> None:
        with self._locked() as records:
            records[key] = token.to_record()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def redis_server() -> Iterator[str | None]:
    """A private redis-server on 127.0.0.1 (Debian's package), stopped by its PID; yields its URL (None: absent)."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="bench-redis-")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


def run_workers(script: str, configs: list[dict[str, Any]], base_url: str) -> list[dict[str, Any]]:
    """Start one process per config, wait until all are ready, reset the sandbox's counters, start them at once;
    returns each one's result (read from the file it names in ``result``; its stderr goes next to it)."""
    procs = []
    for config in configs:
        env = {**os.environ, **config.pop("env", {})}
        with open(f"{config['result']}.stderr", "w") as errors:
            procs.append(
                subprocess.Popen(
                    [sys.executable, str(HERE / script), json.dumps(config)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=errors,
                    text=True,
                    env=env,
                )
            )
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = "-"
            while line and line.strip() != "ready":  # log lines may come first
                line = proc.stdout.readline()
            if not line:
                raise RuntimeError("a worker exited before it was ready")
            threading.Thread(target=proc.stdout.read, daemon=True).start()  # drain its log lines
        requests.post(f"{base_url}/_sandbox/reset", timeout=30)
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        for proc in procs:
            if proc.wait() != 0:
                raise RuntimeError(f"a worker failed (exit {proc.returncode})")
    except RuntimeError:
        for config in configs:
            sys.stderr.write(Path(f"{config['result']}.stderr").read_text()[-3000:])
        raise
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return [json.loads(Path(config["result"]).read_text()) for config in configs]


def wait_for_go() -> None:
    """Worker side of :func:`run_workers`: say ready, then wait for the start."""
    print("ready", flush=True)
    sys.stdin.readline()


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sandbox_counts(base_url: str) -> dict[str, int]:
    """The columns the sandbox counts: API requests (with the injected faults), 429s (by its limit and injected),
    token requests."""
    stats: dict[str, int] = requests.get(f"{base_url}/_sandbox/stats", timeout=30).json()
    api = sum(
        count
        for name, count in stats.items()
        if name.split(" ", 1)[0] in ("GET", "POST", "PUT", "DELETE")
        and "oauth" not in name
        and "sandbox" not in name
        and "cxone" not in name
    )
    injected = stats.get("fault 429", 0) + stats.get("fault 503", 0)
    return {
        "requests": api + injected,
        "429": stats.get("429 sent", 0),
        "429 injected": stats.get("fault 429", 0),
        "faults": injected + stats.get("fault reset", 0),
        "tokens": stats.get("POST genesys oauth/token", 0),
        "401": stats.get("status 401", 0),
        "details pages": stats.get("POST genesys details/query", 0),
        "job pages": stats.get("GET genesys jobs results", 0),
    }
