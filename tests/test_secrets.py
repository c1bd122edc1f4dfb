"""Canary secrets over failing runs whose vendor errors echo the request: never in logs, XCom, rendered
fields or manifests, in any form (raw, URL-encoded, the base64 of a Basic header, issued tokens)."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from airflow_provider_ccanalytics.core.auth import Token
from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from tests.conftest import task_states, utc

pytestmark = pytest.mark.airflow
CANARY = {
    "genesys_client_secret": "canary-genesys-Secret/9f4e+Zq",
    "cxone_client_secret": "canary-cxone-Secret/77ab+Yk",
    "cxone_access_key_secret": "Y2FuYXJ5LWFjY2Vzcy1rZXktc2VjcmV0+/====",
}
STORED_REFRESH = "canary-stored-refresh-token-1d2c3b4a"
DAG = """
from datetime import datetime, timedelta, timezone
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.operators.cxone import CxoneCompletedContactsOperator
from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator

with DAG("canary", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    {operator}
"""


def forms(client_id: str, secret: str) -> set[str]:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {secret, quote_plus(secret), quote(secret, safe=""), basic, basic.rstrip("=")}


def canaries(sandbox: Sandbox) -> dict[str, str]:
    """Every secret form that could leak, named (the names are printed on failure, never the values)."""
    config = sandbox.config
    found = {}
    for name, (client_id, secret) in {
        "genesys client secret": (config.genesys_client_id, config.genesys_client_secret),
        "cxone client secret": (config.cxone_client_id, config.cxone_client_secret),
        "cxone access key secret": (config.cxone_access_key_id, config.cxone_access_key_secret),
    }.items():
        for index, form in enumerate(sorted(forms(client_id, secret))):
            found[f"{name} form {index}"] = form
    for index, token in enumerate(list(sandbox._tokens) + list(sandbox._refresh) + [STORED_REFRESH]):
        found[f"token {index}"] = token
    return found


def airflow_records(run: Any) -> str:
    """XCom values, rendered template fields and task log files of a run, as text."""
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        xcoms = session.query(XComModel).filter(XComModel.run_id == run.run_id).all()
        rendered = session.query(RenderedTaskInstanceFields).filter(RenderedTaskInstanceFields.run_id == run.run_id)
        text = [json.dumps(row.value, default=str) for row in xcoms]
        text += [json.dumps(row.rendered_fields, default=str) for row in rendered]
    return "\n".join(text)


def all_files(folder: Path) -> str:
    return "\n".join(p.read_bytes().decode(errors="replace") for p in folder.rglob("*") if p.is_file())


def test_no_canary_secret_in_any_form_reaches_logs_xcom_rendered_fields_or_manifests(
    sandbox_factory: Callable[..., Sandbox],
    connect: Any,
    run_dag: Callable[..., Any],
    out_dir: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    sandbox = sandbox_factory(DataSpec(conversations=200, contacts=200), **CANARY)
    logs = Path(_airflow_home()) / "logs"
    records: list[str] = []

    def run(operator: str, state: str) -> None:
        dagrun = run_dag(DAG.format(operator=operator), utc(2026, 1, 2))
        assert set(task_states(dagrun).values()) == {state}
        records.append(airflow_records(dagrun))  # now: a later run of the same date replaces this one

    # 1. Genesys: the token endpoint's error echoes the request (Basic header, form) -> the run fails
    connect("genesys_cloud_default", sandbox.genesys_connection())
    sandbox.add_fault("oauth/token", status=401, echo_request=True, times=1)
    details = f"GenesysConversationDetailsOperator(task_id='details', output='{out_dir.as_uri()}')"
    run(details, "failed")

    # 2. Genesys: an API error echoes the request (the bearer token) on a retried 503, then a 400 -> fails
    sandbox.add_fault("details/query", status=503, echo_request=True, times=1)
    sandbox.add_fault("details/query", status=400, echo_request=True, after=2, times=1)
    run(details, "failed")

    # 3. Genesys: a run that survives an echoing 503 and writes its manifest
    sandbox.add_fault("details/query", status=503, echo_request=True, times=1)
    run(details, "success")

    # 4. Genesys delegated: a refresh token from the store, refused with the request echoed
    delegated = {**sandbox.genesys_connection("authorization_code", redirect_uri="http://127.0.0.1:9/cb")}
    connect("genesys_cloud_default", delegated)
    hook = GenesysCloudHook()
    hook.token_store.save(hook.token_key, Token("", 0.0, refresh_token=STORED_REFRESH))
    sandbox.add_fault("oauth/token", status=401, echo_request=True, times=99)
    run(details, "failed")
    sandbox.faults.clear()

    # 5. CXone access key: the token endpoint echoes the form (URL-encoded key secret) and Basic header
    connect("nice_cxone_default", sandbox.cxone_connection())
    sandbox.add_fault("auth/token", status=401, echo_request=True, times=1)
    contacts = f"CxoneCompletedContactsOperator(task_id='contacts', output='{out_dir.as_uri()}')"
    run(contacts, "failed")

    out, err = capfd.readouterr()
    texts = {
        "logs": caplog.text + out + err + (all_files(logs) if logs.exists() else ""),
        "xcom and rendered fields": "\n".join(records),
        "manifests and outputs": all_files(out_dir),
    }
    assert sandbox.count("fault 401") >= 3 and sandbox.count("fault 400") >= 1 and sandbox.count("fault 503") == 2
    for echoed in ("rejected request", "Authorization: Basic ***", "Authorization: Bearer ***", "password=***"):
        assert echoed in texts["logs"]  # the vendor's echo reached the log, scrubbed
    assert "_manifest.json" in "".join(p.name for p in out_dir.rglob("*"))
    hits = {
        (where, name) for where, text in texts.items() for name, secret in canaries(sandbox).items() if secret in text
    }
    assert hits == set()


def _airflow_home() -> str:
    import os

    return os.environ["AIRFLOW_HOME"]
