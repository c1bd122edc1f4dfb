"""How the CXone client reads the Data Extraction answers whose shape public sources leave open."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_ccanalytics.core.cxone import job_id_from_answer
from airflow_provider_ccanalytics.core.errors import PermissionDeniedError
from airflow_provider_ccanalytics.core.partitions import Window
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from tests import clients

DAY = Window.of(DataSpec().start, DataSpec().end)
CREATE = r"/data-extraction/v1/jobs$"


@pytest.mark.parametrize(
    ("content", "job_id"),
    [
        (b'"4f1c"', "4f1c"),
        (b'{"jobId": "4f1c"}', "4f1c"),
        (b'{"id": "4f1c"}', "4f1c"),
        (b'{"jobId": 12}', "12"),
        (b"{}", ""),
        (b"true", ""),
        (b"<html>", ""),
    ],
)
def test_the_create_answer_gives_the_job_id_in_any_known_shape(content: bytes, job_id: str) -> None:
    assert job_id_from_answer(content) == job_id


@pytest.mark.parametrize(
    "message",
    [
        "A data extraction job is already running for this tenant",
        "Another job is already in progress",
        "Tenant has an active job",
    ],
)
def test_a_403_saying_a_job_runs_waits_and_creates_again(sandbox: Sandbox, message: str) -> None:
    sandbox.config.extraction_create_interval = 0
    sandbox.add_fault(CREATE, status=403, times=2, method="POST", body={"error": "Forbidden", "message": message})
    client = clients.cxone(sandbox)
    client.settings.poll_interval = 0.05
    assert client.create_extraction_job(*sandbox.EXTRACTION_ENTITY, DAY)
    assert sandbox.count("fault 403") == 2 and sandbox.count("POST cxone extraction create") == 1


@pytest.mark.parametrize("body", [{"message": "Request throttled"}, {"error": "Too many requests, try again later"}])
def test_a_403_saying_throttled_is_retried(sandbox: Sandbox, body: dict[str, Any]) -> None:
    sandbox.config.extraction_create_interval = 0
    sandbox.add_fault(CREATE, status=403, times=1, method="POST", body=body)
    assert clients.cxone(sandbox).create_extraction_job(*sandbox.EXTRACTION_ENTITY, DAY)
    assert sandbox.count("fault 403") == 1 and sandbox.count("POST cxone extraction create") == 1


def test_any_other_403_is_a_permission_error_at_once(sandbox: Sandbox) -> None:
    sandbox.add_fault(CREATE, status=403, times=5, method="POST", body={"error": "Forbidden", "message": "Forbidden"})
    with pytest.raises(PermissionDeniedError, match="Data Extraction"):
        clients.cxone(sandbox).create_extraction_job(*sandbox.EXTRACTION_ENTITY, DAY)
    assert sandbox.count("fault 403") == 1
