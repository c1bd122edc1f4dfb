"""One worker process of benchmarks/scale.py: the provider's extraction path (hook, client, partition writer).

Argument: a JSON object: ``urls`` (the sandbox's), ``extras`` (more connection extras), ``token_file``, ``out``
(a file:// URI), ``days`` ([start, end] ISO pairs, one partition each), ``mode`` (``query``: the details query
as GenesysConversationDetailsOperator runs it, one day after the other; ``jobs``: one details job per day, all
in flight, as concurrent runs of GenesysConversationDetailsJobOperator), ``poll`` (job poll seconds),
``readback`` (read the committed partitions back for the lost/duplicated check), ``result`` (where to write the
result JSON). Waits for the start signal (see scale_support.run_workers) after its one-time costs.
"""

from __future__ import annotations

import fcntl
import inspect
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from scale_support import FileTokenStore, peak_rss_mb, wait_for_go

config = json.loads(sys.argv[1])
connection = dict(config["urls"]["genesys_connection"])
connection["extra"] = {**connection["extra"], **config.get("extras", {})}
os.environ["AIRFLOW_CONN_BENCH_GENESYS"] = json.dumps(connection)

from airflow_provider_ccanalytics.core.http import RetryPolicy  # noqa: E402
from airflow_provider_ccanalytics.core.partitions import Window, parse_instant  # noqa: E402
from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook  # noqa: E402
from airflow_provider_ccanalytics.operators.base import AnalyticsOperator  # noqa: E402
from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator  # noqa: E402
from airflow_provider_ccanalytics.outputs import read_partition, storage_path, write_partition  # noqa: E402

#: the operators' defaults, so the benchmark follows them
SPLIT = inspect.signature(GenesysConversationDetailsOperator.__init__).parameters["split"].default
MAX_WORKERS = inspect.signature(AnalyticsOperator.__init__).parameters["max_workers"].default

# the retry policy's durations, time-scaled like everything else (its defaults: 1 s first backoff, 60 s longest,
# 300 s Retry-After cap and budget); the attempts stay as they are
scale = float(config.get("scale", 1.0))
defaults = RetryPolicy()
retry = RetryPolicy(
    backoff_initial=defaults.backoff_initial / scale,
    backoff_max=defaults.backoff_max / scale,
    max_retry_after=defaults.max_retry_after / scale,
    max_seconds=defaults.max_seconds / scale,
)
hook = GenesysCloudHook("bench_genesys", token_store=FileTokenStore(config["token_file"]), retry=retry)
client = hook.client
days = [Window.of(start, end) for start, end in config["days"]]
out = config["out"]


SCOPED = "scope" in inspect.signature(write_partition).parameters  # org-keyed partitions (issue 13)


def write(day: Window, sources: list[Any], workers: int) -> dict[str, Any]:
    extra: dict[str, Any] = {"scope": hook.partition_scope()} if SCOPED else {}
    return write_partition(
        out,
        vendor="genesys",
        dataset="conversation_details",
        window=day,
        sources=sources,
        max_workers=workers,
        **extra,
    )


def by_query(day: Window) -> dict[str, Any]:
    parts = client.details_windows(day, SPLIT)
    return write(day, [partial(client.iter_details_in, part) for part in parts], MAX_WORKERS)


def by_jobs() -> list[dict[str, Any]]:
    jobs = {day.label(): client.submit_details_job(day) for day in days}

    def one(day: Window) -> dict[str, Any]:
        job_id = jobs[day.label()]
        client.wait_for_details_job(job_id, float(config.get("poll", 1.0)))
        return write(day, [lambda: client.iter_details_job_results(job_id, day)], 1)

    with ThreadPoolExecutor(len(days)) as pool:
        return list(pool.map(one, days))


# one-time process costs before the clock starts, as in a worker that has run a task before
storage_path(out).mkdir(parents=True, exist_ok=True)
with (storage_path(out) / f"_warmup-{os.getpid()}").open("wb") as warm:
    warm.write(b"")
(storage_path(out) / f"_warmup-{os.getpid()}").unlink()
# the connection's token, one process at a time: the first one obtains it, the others find it in the store
with open(f"{config['token_file']}.startup", "a") as startup:
    fcntl.flock(startup, fcntl.LOCK_EX)
    client.authenticator.authorization()
    if SCOPED:
        hook.partition_scope()  # discovered once per connection and process, as a worker that ran a task before
    fcntl.flock(startup, fcntl.LOCK_UN)
wait_for_go()
started = time.time()
summaries = by_jobs() if config["mode"] == "jobs" else [by_query(day) for day in days]
ended = time.time()
result: dict[str, Any] = {
    "started": started,
    "ended": ended,
    "peak_rss_mb": peak_rss_mb(),
    "records": sum(summary["record_count"] for summary in summaries),
    "transport_requests": hook.transport.stats.requests,
    "retries": hook.transport.stats.retries,
    # the adaptive limiter's state at the end: its rate as a share of its ceiling, and the 429s it was told of
    "limiter": {name: getattr(hook.transport.limiter, name, None) for name in ("rate", "ceiling", "throttles", "cuts")},
}
if config.get("readback", True):
    ids: list[str] = []
    outside = 0
    for day, summary in zip(days, summaries, strict=True):
        for record in read_partition(summary):
            ids.append(record["conversationId"])
            outside += not day.contains(parse_instant(record["conversationStart"], "conversationStart"))
    result.update(ids=ids, outside=outside)
Path(config["result"]).write_text(json.dumps(result))
