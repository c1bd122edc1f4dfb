"""The sandbox's HTTP contract, spoken to with plain requests (no provider code)."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from airflow_provider_ccanalytics.testing.data import parse_ts

DETAILS = "/api/v2/analytics/conversations/details/query"
DAY = "2026-01-01T00:00:00.000Z/2026-01-02T00:00:00.000Z"


def genesys_token(sandbox: Sandbox) -> dict[str, str]:
    answer = requests.post(
        f"{sandbox.genesys_login_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(sandbox.config.genesys_client_id, sandbox.config.genesys_client_secret),
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def cxone_token(sandbox: Sandbox) -> dict[str, str]:
    config = sandbox.config
    answer = requests.post(
        f"{sandbox.cxone_issuer}/auth/token",
        auth=(config.cxone_client_id, config.cxone_client_secret),
        data={
            "grant_type": "password",
            "username": config.cxone_access_key_id,
            "password": config.cxone_access_key_secret,
        },
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_paging_10000_conversations_returns_each_ground_truth_id_once(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sandbox = sandbox_factory(DataSpec(conversations=10_000), rate_limit=None)
    headers, session = genesys_token(sandbox), requests.Session()
    seen, page, total = [], 1, None
    while True:
        body = session.post(
            f"{sandbox.genesys_api_url}{DETAILS}",
            headers=headers,
            json={"interval": DAY, "paging": {"pageSize": 100, "pageNumber": page}},
        ).json()
        total = body["totalHits"]
        conversations = body.get("conversations", [])
        seen += [c["conversationId"] for c in conversations if "2026-01-01" <= c["conversationStart"] < "2026-01-02"]
        if len(conversations) < 100 or page * 100 >= total:
            break
        page += 1
    truth = sandbox.data.conversation_ids_started(sandbox.data.start, sandbox.data.end)
    assert len(truth) == 10_000
    assert seen == truth
    assert page == -(-total // 100)


def test_details_query_enforces_page_size_result_cap_and_interval_cap(sandbox: Sandbox) -> None:
    url, headers = f"{sandbox.genesys_api_url}{DETAILS}", genesys_token(sandbox)
    too_big = requests.post(url, headers=headers, json={"interval": DAY, "paging": {"pageSize": 101}})
    assert too_big.status_code == 400 and "pageSize" in too_big.json()["message"]
    too_deep = requests.post(
        url, headers=headers, json={"interval": DAY, "paging": {"pageSize": 100, "pageNumber": 1001}}
    )
    assert too_deep.status_code == 400
    assert too_deep.json()["message"] == "Pagination may not exceed 100000 results"
    too_long = requests.post(url, headers=headers, json={"interval": "2026-01-01T00:00:00Z/2026-01-09T00:00:00Z"})
    assert too_long.status_code == 400 and "exceeds the maximum" in too_long.json()["message"]
    empty = requests.post(url, headers=headers, json={"interval": "2025-01-01T00:00:00Z/2025-01-02T00:00:00Z"})
    assert empty.json() == {"totalHits": 0}  # no "conversations" key on an empty page
    assert too_deep.headers["ININ-Correlation-Id"]


def test_malformed_and_unknown_requests_get_the_vendor_error_shape(sandbox: Sandbox) -> None:
    headers = genesys_token(sandbox)
    broken = requests.post(
        f"{sandbox.genesys_api_url}{DETAILS}",
        headers=headers,
        data=b"{not json",
    )
    assert broken.status_code == 400 and set(broken.json()) >= {"message", "code", "status"}
    missing = requests.post(f"{sandbox.genesys_api_url}{DETAILS}", headers=headers, json={})
    assert missing.status_code == 400 and "interval" in missing.json()["message"]
    unknown = requests.get(f"{sandbox.genesys_api_url}/api/v2/nope", headers=headers)
    assert unknown.status_code == 404 and unknown.json()["code"] == "not.found"
    unauthenticated = requests.post(f"{sandbox.genesys_api_url}{DETAILS}", json={"interval": DAY})
    assert unauthenticated.status_code == 401


def test_token_endpoint_requires_basic_auth_on_the_login_host(sandbox: Sandbox) -> None:
    config = sandbox.config
    in_body = requests.post(
        f"{sandbox.genesys_login_url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": config.genesys_client_id,
            "client_secret": config.genesys_client_secret,
        },
    )
    assert in_body.status_code == 401 and in_body.json()["error"] == "invalid_client"
    wrong = requests.post(
        f"{sandbox.genesys_login_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(config.genesys_client_id, "wrong"),
    )
    assert wrong.status_code == 401
    on_api_host = requests.post(
        f"{sandbox.genesys_api_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(config.genesys_client_id, config.genesys_client_secret),
    )
    assert on_api_host.status_code == 401  # the seed's mistake: the api host has no token endpoint


def test_burst_over_the_rate_limit_gets_429_with_retry_after(sandbox_factory: Callable[..., Sandbox]) -> None:
    sandbox = sandbox_factory(rate_limit=5, rate_window=30)
    headers = genesys_token(sandbox)
    answers = [
        requests.post(f"{sandbox.genesys_api_url}{DETAILS}", headers=headers, json={"interval": DAY}) for _ in range(7)
    ]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 30
    assert answers[-1].json()["code"] == "too.many.requests.retry.after"
    assert sandbox.count("429 sent") == 2


def test_token_endpoint_throttle_is_400_invalid_request(sandbox_factory: Callable[..., Sandbox]) -> None:
    sandbox = sandbox_factory(token_requests_per_window=1)
    genesys_token(sandbox)
    again = requests.post(
        f"{sandbox.genesys_login_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(sandbox.config.genesys_client_id, sandbox.config.genesys_client_secret),
    )
    assert again.status_code == 400 and again.json()["error"] == "invalid_request"


def _authorize(sandbox: Sandbox, base: str, client_id: str, challenge: str, state: str) -> str:
    answer = requests.get(
        base,
        allow_redirects=False,
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": "http://127.0.0.1:9/cb",
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == [state]
    return query["code"][0]


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def test_pkce_verifier_mismatch_is_rejected_and_codes_are_single_use(sandbox: Sandbox) -> None:
    client = sandbox.config.genesys_public_client_id
    verifier = "v" * 64
    token_url = f"{sandbox.genesys_login_url}/oauth/token"
    code = _authorize(sandbox, f"{sandbox.genesys_login_url}/oauth/authorize", client, _challenge(verifier), "s1")
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "http://127.0.0.1:9/cb",
        "client_id": client,
    }
    wrong = requests.post(token_url, data={**form, "code_verifier": "x" * 64})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    code = _authorize(sandbox, f"{sandbox.genesys_login_url}/oauth/authorize", client, _challenge(verifier), "s2")
    form["code"] = code
    right = requests.post(token_url, data={**form, "code_verifier": verifier})
    assert right.status_code == 200 and right.json()["refresh_token"]
    reused = requests.post(token_url, data={**form, "code_verifier": verifier})
    assert reused.status_code == 400


def test_cxone_refresh_tokens_rotate_and_a_used_one_is_rejected(sandbox: Sandbox) -> None:
    config = sandbox.config
    token_url = f"{sandbox.cxone_issuer}/auth/token"
    auth = (config.cxone_client_id, config.cxone_client_secret)
    first = requests.post(
        token_url,
        auth=auth,
        data={
            "grant_type": "password",
            "username": config.cxone_access_key_id,
            "password": config.cxone_access_key_secret,
        },
    ).json()
    claims = json.loads(base64.urlsafe_b64decode(first["access_token"].split(".")[1] + "=="))
    assert claims["tenantId"] == config.cxone_tenant_id
    second = requests.post(
        token_url, auth=auth, data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert second.status_code == 200 and second.json()["refresh_token"] != first["refresh_token"]
    replay = requests.post(
        token_url, auth=auth, data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_cxone_discovery_and_completed_contacts_paging(sandbox_factory: Callable[..., Sandbox]) -> None:
    sandbox = sandbox_factory(DataSpec(contacts=2500))
    discovery = requests.get(f"{sandbox.cxone_issuer}/.well-known/openid-configuration").json()
    assert discovery["token_endpoint"] == f"{sandbox.cxone_issuer}/auth/token"
    headers = cxone_token(sandbox)
    config = requests.get(
        f"{sandbox.cxone_issuer}/.well-known/cxone-configuration",
        params={"tenantId": sandbox.config.cxone_tenant_id},
    ).json()
    url = f"{config['api_endpoint']}/inContactAPI/services/v34.0/contacts/completed"
    params = {"startDate": "2026-01-01T00:00:00Z", "endDate": "2026-01-02T00:00:00Z", "top": 1000}
    ids, next_url = [], None
    while True:
        answer = requests.get(next_url or url, headers=headers, params=None if next_url else params)
        body = answer.json()
        ids += [c["contactId"] for c in body["completedContacts"]]
        next_url = body["_links"].get("next")
        if not next_url:
            break
    assert ids == sandbox.data.contact_ids_started(sandbox.data.start, sandbox.data.end)
    empty = requests.get(
        url,
        headers=headers,
        params={**params, "startDate": "2025-01-01T00:00:00Z", "endDate": "2025-01-02T00:00:00Z"},
    )
    assert empty.status_code == 204 and empty.content == b""


def test_contacts_become_visible_only_after_they_settle(sandbox_factory: Callable[..., Sandbox]) -> None:
    now = time.time()
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 60))
    end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
    sandbox = sandbox_factory(DataSpec(contacts=50, start=start, end=end, contact_max_seconds=10), settle_seconds=3600)
    headers = cxone_token(sandbox)
    url = f"{sandbox.cxone_api_url}/inContactAPI/services/v34.0/contacts/completed"
    answer = requests.get(url, headers=headers, params={"startDate": start, "endDate": end})
    assert answer.status_code == 204
    sandbox.clock = lambda: now + 3700
    headers = cxone_token(sandbox)
    settled = requests.get(url, headers=headers, params={"startDate": start, "endDate": end})
    assert len(settled.json()["completedContacts"]) == 50


def test_genesys_job_lifecycle_cursor_results_and_delete(sandbox_factory: Callable[..., Sandbox]) -> None:
    sandbox = sandbox_factory(DataSpec(conversations=2500), job_seconds=0.4, rate_limit=None)
    headers, base = (
        genesys_token(sandbox),
        f"{sandbox.genesys_api_url}/api/v2/analytics/conversations/details/jobs",
    )
    job = requests.post(base, headers=headers, json={"interval": DAY})
    assert job.status_code == 202
    job_id = job.json()["jobId"]
    assert requests.get(f"{base}/{job_id}", headers=headers).json()["state"] in ("QUEUED", "PENDING")
    assert requests.get(f"{base}/{job_id}/results", headers=headers).status_code == 400
    time.sleep(0.5)
    assert requests.get(f"{base}/{job_id}", headers=headers).json()["state"] == "FULFILLED"
    ids, cursor = [], None
    while True:
        body = requests.get(
            f"{base}/{job_id}/results",
            headers=headers,
            params={"pageSize": 1000, **({"cursor": cursor} if cursor else {})},
        ).json()
        ids += [c["conversationId"] for c in body["conversations"]]
        cursor = body.get("cursor")
        if not cursor:
            break
    assert set(sandbox.data.conversation_ids_started(sandbox.data.start, sandbox.data.end)) <= set(ids)
    availability = requests.get(f"{base}/availability", headers=headers).json()["dataAvailabilityDate"]
    assert parse_ts(availability) == pytest.approx(time.time() - sandbox.config.availability_lag, abs=5)
    assert requests.delete(f"{base}/{job_id}", headers=headers).status_code == 202
    assert sandbox.job_state(job_id) == "CANCELLED"
    sandbox.fail_next_job("FAILED")
    failed = requests.post(base, headers=headers, json={"interval": DAY}).json()["jobId"]
    time.sleep(0.5)
    status = requests.get(f"{base}/{failed}", headers=headers).json()
    assert status["state"] == "FAILED" and status["errorMessage"]


def test_aggregates_match_ground_truth_sums(sandbox: Sandbox) -> None:
    headers = genesys_token(sandbox)
    body = {
        "interval": DAY,
        "granularity": "PT6H",
        "groupBy": ["queueId"],
        "metrics": ["nOffered", "tHandle"],
    }
    results = requests.post(
        f"{sandbox.genesys_api_url}/api/v2/analytics/conversations/aggregates/query",
        headers=headers,
        json=body,
    ).json()["results"]
    offered = sum(
        m["stats"]["count"] for r in results for d in r["data"] for m in d["metrics"] if m["metric"] == "nOffered"
    )
    assert offered == 1000
    assert all(len(r["data"]) == 4 for r in results)


def test_data_extraction_one_job_per_tenant_create_throttle_and_expiring_url(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sandbox = sandbox_factory(
        DataSpec(contacts=300),
        extraction_seconds=0.3,
        extraction_create_interval=0.2,
        result_url_ttl=0.3,
        cxone_busy_status=409,  # the 409/429 variant (403 is the default, tested in test_cxone_dags)
    )
    headers, base = cxone_token(sandbox), f"{sandbox.cxone_api_url}/data-extraction/v1/jobs"
    body = {
        "entityName": "completed-contacts",
        "version": "1",
        "startDate": "2026-01-01T00:00:00Z",
        "endDate": "2026-01-02T00:00:00Z",
    }
    first = requests.post(base, headers=headers, json=body)
    assert first.status_code == 202
    job_id = first.json()
    throttled = requests.post(base, headers=headers, json=body)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"]
    time.sleep(0.21)
    assert requests.post(base, headers=headers, json=body).status_code == 409  # one running per tenant
    time.sleep(0.15)
    status = requests.get(f"{base}/{job_id}", headers=headers).json()["jobStatus"]
    assert status["status"] == "SUCCEEDED"
    with_bearer = requests.get(status["result"]["url"], headers=headers)
    assert with_bearer.status_code == 400  # pre-signed: a bearer token is refused
    csv_text = requests.get(status["result"]["url"]).text
    assert csv_text.count("\n") == 301
    time.sleep(0.35)
    assert requests.get(status["result"]["url"]).status_code == 403  # expired


def test_scripted_faults_drop_delay_and_fail(sandbox: Sandbox) -> None:
    headers = genesys_token(sandbox)
    url = f"{sandbox.genesys_api_url}{DETAILS}"
    sandbox.add_fault("details/query", status=503, times=1)
    assert requests.post(url, headers=headers, json={"interval": DAY}).status_code == 503
    sandbox.add_fault("details/query", drop=True, times=1)
    with pytest.raises(requests.ConnectionError):
        requests.post(url, headers=headers, json={"interval": DAY})
    sandbox.add_fault("details/query", status=None, delay=0.3, times=1)
    started = time.monotonic()
    assert requests.post(url, headers=headers, json={"interval": DAY}).status_code == 200
    assert time.monotonic() - started >= 0.3
    assert sandbox.count("dropped") == 1 and sandbox.count("fault 503") == 1


def test_counters_are_served_for_other_processes(sandbox: Sandbox) -> None:
    genesys_token(sandbox)
    stats = requests.get(f"{sandbox.base_url}/_sandbox/stats").json()
    assert stats["tokens issued genesys"] == 1 and stats["bytes_sent"] > 0
    assert socket.inet_aton(urlsplit(sandbox.base_url).hostname or "")  # loopback address
