"""Hostile answers: a typed error or a bounded read, never RecursionError, a whole 100 MB read, or raw escapes.

Over the wire: the sandbox's ``hostile`` faults (:mod:`airflow_provider_ccanalytics.testing.sandbox.hostile`) and a
sandbox whose org id is 300 characters long.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.errors import BadRequestError, HostileResponseError, ServerError
from airflow_provider_ccanalytics.core.http import HttpTransport, RetryPolicy
from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook
from airflow_provider_ccanalytics.testing import Sandbox
from tests import clients
from tests.conftest import HOUR_WINDOW

QUERY = r"details/query$"


def test_json_nested_100000_deep_is_a_typed_error_not_a_recursion_error(sandbox: Sandbox) -> None:
    client = clients.genesys(sandbox)
    sandbox.add_fault(QUERY, status=None, hostile="deep_json", times=10)
    with pytest.raises(HostileResponseError, match="nested deeper"):
        list(client.iter_details_in(HOUR_WINDOW))
    assert sandbox.count("fault hostile deep_json") == 1  # refused at once, not retried as a cut-off body


def test_a_100_mb_page_is_refused_after_a_bounded_read(sandbox: Sandbox) -> None:
    http = HttpTransport(retry=clients.FAST_RETRY, max_body_bytes=4 * 2**20)
    client = clients.genesys(sandbox, http=http)
    client.data_availability()
    sandbox.add_fault(QUERY, status=None, hostile="huge_page", times=10)
    started = time.monotonic()
    with pytest.raises(HostileResponseError, match="larger than 4 MiB"):
        list(client.iter_details_in(HOUR_WINDOW))
    assert time.monotonic() - started < 30


def test_a_huge_page_without_content_length_is_cut_at_the_limit(sandbox: Sandbox) -> None:
    """The limit holds on the bytes read too, not only on what the server announces."""
    http = HttpTransport(retry=clients.FAST_RETRY, max_body_bytes=2**20)
    sandbox.add_fault(r"/_sandbox/stats", status=None, hostile="huge_page", hostile_size=8 * 2**20, short_body=True)
    http.session.headers["Accept-Encoding"] = "identity"
    with pytest.raises(HostileResponseError, match="Content-Length not given"):
        http.request("GET", f"{sandbox.base_url}/_sandbox/stats")


def test_a_300_character_org_id_never_names_a_folder(sandbox_factory: Callable[..., Sandbox], connect: Any) -> None:
    sandbox = sandbox_factory(genesys_org_id="a" * 300)
    connect("genesys_cloud_default", sandbox.genesys_connection())
    hook = GenesysCloudHook(share_tokens=False)
    with pytest.raises(HostileResponseError, match="300 characters"):
        hook.partition_scope()


@pytest.mark.parametrize("status", [400, 503])
def test_control_characters_in_vendor_text_never_reach_errors_or_logs_raw(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    caplog.set_level(logging.DEBUG)
    policy = RetryPolicy(max_attempts=2, backoff_initial=0.01, backoff_max=0.01)
    client = clients.genesys(sandbox, http=HttpTransport(retry=policy))
    sandbox.add_fault(QUERY, status=status, hostile="control_chars", times=10)
    with pytest.raises((BadRequestError, ServerError)) as caught:
        list(client.iter_details_in(HOUR_WINDOW))
    text = str(caught.value) + caplog.text
    assert r"\x1b[31mfull" in str(caught.value) and r"\r\nINFO - forged" in str(caught.value)
    for raw in ("\x1b", "\r\nINFO - forged", "\u202e", "\x07"):
        assert raw not in text
