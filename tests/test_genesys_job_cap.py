"""Genesys details job results past the result cap ('Pagination may not exceed 400000 results', scaled down)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.errors import ResultCapExceededError
from airflow_provider_ccanalytics.core.genesys import DETAILS_JOBS
from airflow_provider_ccanalytics.core.http import CursorPaginator, PageRequest
from airflow_provider_ccanalytics.core.partitions import Window
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from tests import clients
from tests.conftest import task_states, utc
from tests.test_genesys_dags import dag_source, partition, read_partition

pytestmark = pytest.mark.airflow
DAY = Window.of(DataSpec().start, DataSpec().end)


def test_the_sandbox_refuses_to_page_a_job_past_its_result_cap(sandbox_factory: Callable[..., Sandbox]) -> None:
    sandbox = sandbox_factory(DataSpec(conversations=2500), job_seconds=0, genesys_job_result_cap=2000)
    client = clients.genesys(sandbox)
    job_id = client.submit_details_job(DAY)
    pages = client.pages(
        PageRequest("GET", f"{DETAILS_JOBS}/{job_id}/results"), CursorPaginator(1000), "conversations", what="job"
    )
    read = []
    with pytest.raises(ResultCapExceededError, match="Pagination may not exceed 2000 results"):
        for _body, records in pages:
            read += records
    assert len(read) == 2000  # two full pages of 1000, then the 400 on the third


def test_a_day_whose_job_exceeds_the_result_cap_is_split_and_written_exactly_once(
    sandbox_factory: Callable[..., Sandbox], connect: Any, run_dag: Callable[..., Any], out_dir: Path
) -> None:
    # 5000 conversations, a cap of 2000: the day's job stops after 2000; each half (~2500) stops again;
    # the four quarters (~1250) page to the end
    sandbox = sandbox_factory(DataSpec(conversations=5000), job_seconds=0.3, genesys_job_result_cap=2000)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    run = run_dag(
        dag_source(
            "GenesysConversationDetailsJobOperator(task_id='job', deferrable=True, poll_interval=0.2, "
            f"lookback=None, output='{out_dir.as_uri()}')"  # the day alone: the split counts below are the day's
        ),
        utc(2026, 1, 2),
    )
    assert task_states(run) == {"job": "success"}
    ids, manifest = read_partition(partition(out_dir, "2026-01-01"))
    truth = sandbox.data.conversation_ids_started(sandbox.data.start, sandbox.data.end)
    assert len(ids) == len(set(ids)) == manifest["record_count"] == 5000  # none twice
    assert sorted(ids) == sorted(truth)  # none lost
    assert sandbox.count("POST genesys jobs create") == 7  # the day, two halves, four quarters
    assert sandbox.count("status 400") == 3  # the day's job and each half's job refused to page further
