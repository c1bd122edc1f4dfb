"""Object storage on S3 (moto's server on loopback, started and stopped by PID here)."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from airflow_provider_ccanalytics.testing import Sandbox
from tests.conftest import partition_folder, task_states, utc
from tests.support.moto import moto_server

pytestmark = pytest.mark.airflow
boto3 = pytest.importorskip("boto3")
pytest.importorskip("s3fs")
pytest.importorskip("airflow.providers.amazon")


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


def test_details_to_s3_are_complete_and_a_rerun_replaces_the_partition(
    sandbox: Sandbox, connect: Any, run_dag: Callable[..., Any], moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="contact-centre")
    connect(
        "aws_moto",
        {
            "conn_type": "aws",
            "login": "testing",
            "password": "testing",
            "extra": {"endpoint_url": moto_endpoint, "region_name": "us-east-1"},
        },
    )
    connect("genesys_cloud_default", sandbox.genesys_connection())
    prefix = f"raw/{partition_folder('genesys', 'conversation_details')}/"
    s3.put_object(Bucket="contact-centre", Key=prefix + "part-09999.jsonl.gz", Body=b"stale")
    source = """
from datetime import datetime, timedelta, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator
with DAG("s3_test", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    GenesysConversationDetailsOperator(task_id="details", output="s3://contact-centre/raw", output_conn_id="aws_moto",
                                       split=timedelta(hours=6))
"""
    for _ in range(2):
        run = run_dag(source, utc(2026, 1, 2))
        assert task_states(run) == {"details": "success"}
    keys = sorted(obj["Key"] for obj in s3.list_objects_v2(Bucket="contact-centre", Prefix=prefix)["Contents"])
    assert keys == [prefix + "_SUCCESS", prefix + "_manifest.json"] + [
        prefix + f"part-0000{i}.jsonl.gz" for i in range(4)
    ]
    assert s3.list_multipart_uploads(Bucket="contact-centre").get("Uploads", []) == []
    manifest = json.loads(s3.get_object(Bucket="contact-centre", Key=prefix + "_manifest.json")["Body"].read())
    ids = []
    for entry in manifest["files"]:
        body = s3.get_object(Bucket="contact-centre", Key=prefix + entry["path"])["Body"].read()
        ids += [json.loads(line)["conversationId"] for line in gzip.decompress(body).splitlines()]
    assert ids == sandbox.data.conversation_ids_started(sandbox.data.start, sandbox.data.end)
    assert manifest["record_count"] == 1000
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
