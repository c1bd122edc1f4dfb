"""Scale-out: mapped tasks over several orgs write org-keyed partitions; workers of one connection share one
rate budget through Redis (a real redis-server on 127.0.0.1, stopped by its PID)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from tests.conftest import ROOT, partition_dir, task_states, utc
from tests.test_genesys_dags import read_partition

pytestmark = pytest.mark.airflow
ORG_A, ORG_B = "0a000000-0000-4000-8000-00000000000a", "0b000000-0000-4000-8000-00000000000b"


def test_the_many_orgs_example_maps_one_operator_over_two_connections_and_writes_one_partition_per_org(
    sandbox_factory: Callable[..., Sandbox],
    connect: Any,
    run_dag: Callable[..., Any],
    out_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = sandbox_factory(DataSpec(conversations=300, seed=1), genesys_org_id=ORG_A)
    second = sandbox_factory(DataSpec(conversations=200, seed=2), genesys_org_id=ORG_B)
    connect("genesys_org_a", first.genesys_connection())
    connect("genesys_org_b", second.genesys_connection())
    monkeypatch.setenv("CCANALYTICS_OUTPUT", out_dir.as_uri())
    monkeypatch.setenv("CCANALYTICS_GENESYS_CONN_IDS", "genesys_org_a,genesys_org_b")
    source = (ROOT / "example_dags" / "genesys_many_orgs.py").read_text()
    run = run_dag(source, utc(2026, 1, 2), "genesys_many_orgs")
    assert task_states(run) == {"conversation_details": "success"}
    out_dir = out_dir / "many_orgs"
    dataset = out_dir / "genesys" / "conversation_details"
    assert sorted(path.name for path in dataset.iterdir()) == [f"org={ORG_A}", f"org={ORG_B}"]
    for org, sandbox in ((ORG_A, first), (ORG_B, second)):
        ids, manifest = read_partition(partition_dir(out_dir, "genesys", "conversation_details", scope=f"org={org}"))
        assert ids == sandbox.data.conversation_ids_started(sandbox.data.start, sandbox.data.end)
        assert manifest["record_count"] == len(ids) and ids
        assert sandbox.count("GET genesys organizations/me") == 1  # discovered once per connection


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found is None:
        install = "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server"
        done = subprocess.run(["bash", "-c", install], capture_output=True, text=True, timeout=900)
        found = shutil.which("redis-server")
        if found is None:
            reason = f"redis-server is missing and '{install}' failed: {done.stderr[-1000:]}"
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(reason)
            pytest.skip(reason)
    return found


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A private redis-server on 127.0.0.1 (no persistence) that requires :data:`REDIS_PASSWORD`, stopped by its
    PID."""
    import redis

    port, auth = _free_port(), ["--requirepass", REDIS_PASSWORD]
    server = subprocess.Popen(
        [_redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", *NO_PERSISTENCE, *auth],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                redis.Redis.from_url(url, password=REDIS_PASSWORD, socket_timeout=10).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


NO_PERSISTENCE = ["--save", "", "--appendonly", "no"]
REDIS_PASSWORD = "s3cret-redis"  # the connection's redis_password: without it the workers cannot take a slot

WORKER = """
import json, sys
from airflow_provider_ccanalytics.core.partitions import Window
from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook

hook = GenesysCloudHook("genesys_shared")
ids = [record["conversationId"] for record in hook.client.iter_details_in(Window.of(sys.argv[1], sys.argv[2]))]
print(json.dumps({"ids": ids, "throttled": hook.transport.stats.throttled}))
"""


def test_four_processes_on_one_connection_share_one_budget_through_redis(
    sandbox_factory: Callable[..., Sandbox], connect: Any, airflow_db: Path, redis_url: str
) -> None:
    # A vendor limit of 100 requests per 20 s per token: Genesys' rate (300 per 60 s) in a third of the window, so
    # the bucket's 97 % + 2 % burst leaves 1 request spare, 0.2 s of jitter between a slot and its arrival. Each
    # worker's first request reads the stored token (seconds in a new process): the slot is taken after that,
    # just before sending; taken before, 4 slots arrived bunched with later ones and drew 2 x 429.
    sandbox = sandbox_factory(DataSpec(conversations=1200, seed=4), rate_limit=100, rate_window=20.0)
    extras = {"requests_per_minute": 100, "rate_window_seconds": 20, "page_size": 10, "page_workers": 2}
    redis = {"rate_limiter": "redis", "redis_url": redis_url, "redis_password": REDIS_PASSWORD}
    connect("genesys_shared", sandbox.genesys_connection(**redis, **extras))
    from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook

    assert GenesysCloudHook("genesys_shared").client.organization_id  # one token, stored for every worker
    assert sandbox.count("tokens issued genesys") == 1
    quarters = [utc(2026, 1, 1, hour).isoformat() for hour in (0, 6, 12, 18)] + [utc(2026, 1, 2).isoformat()]
    started = time.monotonic()
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, quarters[i], quarters[i + 1]], stdout=subprocess.PIPE, text=True
        )
        for i in range(4)
    ]
    answers = [json.loads(worker.communicate(timeout=600)[0].strip().splitlines()[-1]) for worker in workers]
    elapsed = time.monotonic() - started
    assert all(worker.returncode == 0 for worker in workers)
    assert sandbox.count("429 sent") == 0 and sum(answer["throttled"] for answer in answers) == 0
    assert sandbox.count("tokens issued genesys") == 1  # the workers used the stored token
    ids = [i for answer in answers for i in answer["ids"]]
    assert ids == sandbox.data.conversation_ids_started(sandbox.data.start, sandbox.data.end)
    requests = sandbox.count("POST genesys details/query")
    assert requests >= 120
    assert elapsed >= (requests - 2) / 4.85 * 0.95  # paced as one budget: 97 % of 100 per 20 s, shared
