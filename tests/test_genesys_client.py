"""Genesys core client: interval splitting, the result cap, aggregates flattening."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from airflow_provider_ccanalytics.core.genesys import GenesysSettings
from airflow_provider_ccanalytics.core.partitions import Window
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from tests import clients

THREE_DAYS = DataSpec(conversations=3000, start="2026-01-01T00:00:00Z", end="2026-01-04T00:00:00Z")


def truth(sandbox: Sandbox) -> list[str]:
    return sandbox.data.conversation_ids_started(sandbox.data.start, sandbox.data.end)


def test_a_window_longer_than_the_interval_cap_is_split(sandbox_factory: Callable[..., Sandbox]) -> None:
    sandbox = sandbox_factory(THREE_DAYS, max_interval_days=1, rate_limit=None)
    client = clients.genesys(sandbox)
    client.settings = GenesysSettings(max_interval=timedelta(days=1))
    window = Window.of(THREE_DAYS.start, THREE_DAYS.end)
    assert [c["conversationId"] for c in client.iter_conversation_details(window)] == truth(sandbox)
    assert sandbox.count("status 400") == 0


def test_a_server_cap_tighter_than_our_setting_is_handled_by_splitting(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sandbox = sandbox_factory(THREE_DAYS, max_interval_days=1, rate_limit=None)
    client = clients.genesys(sandbox)  # believes 7 days are allowed; the server says 1
    window = Window.of(THREE_DAYS.start, THREE_DAYS.end)
    assert [c["conversationId"] for c in client.iter_conversation_details(window)] == truth(sandbox)
    assert sandbox.count("status 400") >= 1


def test_more_results_than_the_cap_are_split_recursively_and_kept_once(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sandbox = sandbox_factory(DataSpec(conversations=5000), result_cap=700, rate_limit=None)
    client = clients.genesys(sandbox)
    client.settings = GenesysSettings(result_cap=700)
    ids = [c["conversationId"] for c in client.iter_details_in(Window.of(DataSpec().start, DataSpec().end))]
    assert ids == truth(sandbox)
    assert sandbox.count("status 400") == 0  # split on totalHits before paging too deep


def test_hitting_the_cap_mid_stream_splits_without_duplicates(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sandbox = sandbox_factory(DataSpec(conversations=3000), result_cap=700, rate_limit=None)
    client = clients.genesys(sandbox)  # believes the cap is 100000: learns from the 400
    ids = [c["conversationId"] for c in client.iter_details_in(Window.of(DataSpec().start, DataSpec().end))]
    assert sorted(ids) == sorted(truth(sandbox)) and len(ids) == len(set(ids))
    assert sandbox.count("status 400") >= 1


def test_conversations_crossing_split_boundaries_appear_once(sandbox_factory: Callable[..., Sandbox]) -> None:
    sandbox = sandbox_factory(DataSpec(conversations=2000), rate_limit=None)
    client = clients.genesys(sandbox)
    window = Window.of(DataSpec().start, DataSpec().end)
    ids = [c["conversationId"] for c in client.iter_conversation_details(window, split=timedelta(minutes=20))]
    assert ids == truth(sandbox)
    served = sandbox.count("POST genesys details/query")
    assert served >= 72  # 72 sub-windows; overlapping conversations were served twice and kept once


def test_aggregate_rows_sum_to_the_ground_truth(sandbox: Sandbox) -> None:
    client = clients.genesys(sandbox)
    window = Window.of(DataSpec().start, DataSpec().end)
    body = {"metrics": ["nOffered", "tHandle"], "granularity": "PT1H", "groupBy": ["queueId", "mediaType"]}
    rows = list(client.iter_aggregate_rows(window, body))
    expected = sandbox.data.aggregates(
        sandbox.data.start, sandbox.data.end, "PT1H", ["queueId", "mediaType"], ["nOffered", "tHandle"]
    )
    flat = {(r["queueId"], r["mediaType"], r["interval"], r["metric"], r["stat"]): r["value"] for r in rows}
    assert len(flat) == len(rows)
    for result in expected:
        for bucket in result["data"]:
            for metric in bucket["metrics"]:
                for stat, value in metric["stats"].items():
                    key = (
                        result["group"]["queueId"],
                        result["group"]["mediaType"],
                        bucket["interval"],
                        metric["metric"],
                        stat,
                    )
                    assert flat.pop(key) == value
    assert flat == {}
    assert sum(r["value"] for r in rows if r["metric"] == "nOffered") == 1000


@pytest.mark.slow
def test_a_day_above_the_real_100000_result_cap_completes(sandbox_factory: Callable[..., Sandbox]) -> None:
    spec = DataSpec(conversations=120_000)
    sandbox = sandbox_factory(spec, rate_limit=None)  # result_cap 100000, as Genesys
    client = clients.genesys(sandbox)
    window = Window.of(spec.start, spec.end)
    ids = [c["conversationId"] for c in client.iter_conversation_details(window, split=timedelta(days=1))]
    assert len(ids) == 120_000 and ids == truth(sandbox)
    assert sandbox.count("status 400") == 0  # split on totalHits, before paging past the cap
