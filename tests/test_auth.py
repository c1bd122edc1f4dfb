"""Both grant families for both vendors, tokens shared across threads and processes, rotation, login."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests

from airflow_provider_ccanalytics.core.auth import AuthorizationRequest, Token
from airflow_provider_ccanalytics.core.errors import ConfigurationError, ReauthorizationRequired
from airflow_provider_ccanalytics.hooks.cxone import NiceCxoneHook
from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook
from airflow_provider_ccanalytics.testing import Sandbox
from airflow_provider_ccanalytics.token_store import VariableTokenStore
from tests.conftest import DAY_WINDOW, HOUR_WINDOW, secrets_of, start_login

pytestmark = pytest.mark.usefixtures("airflow_db")
DAY, HOUR = DAY_WINDOW, HOUR_WINDOW
REDIRECT = "http://127.0.0.1:9/callback"


@pytest.fixture
def no_secret_leaks(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> Iterator[None]:
    """After the test: no credential or issued token appears in the logs or the output."""
    caplog.set_level("DEBUG")
    yield
    out, err = capfd.readouterr()
    text = caplog.text + out + err
    leaked = [secret[:6] + "..." for secret in secrets_of(sandbox) if secret in text]
    assert leaked == []


def browser_login(request: AuthorizationRequest) -> str:
    """Follow the authorize URL as the sandbox's test user; returns the redirect URL."""
    answer = requests.get(request.url(), allow_redirects=False)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def delegated_token(hook: Any) -> Token:
    request = hook.authorization_request(REDIRECT)
    code = request.code_from_redirect(browser_login(request))
    return request.exchange(hook.token_endpoint, hook.transport, code)


def stored(hook: Any) -> Token | None:
    return VariableTokenStore().load(hook.token_key)


@pytest.mark.usefixtures("no_secret_leaks")
def test_genesys_client_credentials_gets_a_token_and_reads_details(sandbox: Sandbox, connect: Any) -> None:
    hook = GenesysCloudHook(connect("g_m2m", sandbox.genesys_connection()))
    assert len(list(hook.client.iter_details_in(HOUR))) > 0
    assert sandbox.count("tokens issued genesys") == 1
    assert hook.test_connection()[0]
    assert sandbox.count("tokens issued genesys") == 2  # the Test button proves the credentials with a new token
    assert stored(hook) is not None and stored(hook).refresh_token is None  # type: ignore[union-attr]


@pytest.mark.usefixtures("no_secret_leaks")
@pytest.mark.parametrize("public", [False, True], ids=["confidential", "pkce-public-client"])
def test_genesys_authorization_code_refreshes_from_the_stored_token(
    sandbox: Sandbox, connect: Any, public: bool
) -> None:
    connection = sandbox.genesys_connection("authorization_code", redirect_uri=REDIRECT)
    if public:
        connection.update(login=sandbox.config.genesys_public_client_id, password=None)
    hook = GenesysCloudHook(connect("g_user", connection))
    token = delegated_token(hook)
    hook.token_store.save(hook.token_key, token.without_access())  # as after a restart: only the refresh token
    assert len(list(hook.client.iter_details_in(HOUR))) > 0
    assert sandbox.count("POST genesys oauth/token") == 2  # the code exchange, then one refresh


@pytest.mark.usefixtures("no_secret_leaks")
@pytest.mark.parametrize("grant", ["access_key", "authorization_code"])
def test_cxone_each_grant_gets_a_token_discovers_the_api_and_reads_contacts(
    sandbox: Sandbox, connect: Any, grant: str
) -> None:
    hook = NiceCxoneHook(connect(f"c_{grant}", sandbox.cxone_connection(grant, redirect_uri=REDIRECT)))
    if grant == "authorization_code":
        hook.token_store.save(hook.token_key, delegated_token(hook).without_access())
    contacts = list(hook.client.iter_completed_contacts(DAY))
    assert [c["contactId"] for c in contacts] == sandbox.data.contact_ids_started(sandbox.data.start, sandbox.data.end)
    assert hook.client.api_base == sandbox.cxone_api_url
    assert sandbox.count("GET cxone configuration") == 1


@pytest.mark.usefixtures("no_secret_leaks")
def test_eight_threads_on_one_connection_make_one_token_request(sandbox: Sandbox, connect: Any) -> None:
    conn_id = connect("g_threads", sandbox.genesys_connection(requests_per_minute=0))
    barrier, errors = threading.Barrier(8), []

    def work() -> None:
        try:
            hook = GenesysCloudHook(conn_id)  # each thread its own hook, as separate tasks would
            barrier.wait()
            list(hook.client.iter_details_in(HOUR))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sandbox.count("tokens issued genesys") == 1
    assert sandbox.count("POST genesys details/query") >= 8


def _start_worker(code: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _finish(worker: subprocess.Popen[str]) -> int:
    """Wait for a worker; returns the record count it printed."""
    out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err[-2000:]
    return int(out.strip().splitlines()[-1])


WORKER = """
import sys
from airflow_provider_ccanalytics.core.partitions import Window
from airflow_provider_ccanalytics.hooks.{module} import {hook}
hook = {hook}(sys.argv[1] if len(sys.argv) > 1 else "{conn_id}")
print(len(list(hook.client.{method}(Window.of("2026-01-01T00:00:00Z", "2026-01-01T02:00:00Z")))))
"""


def test_four_processes_one_after_another_share_one_stored_token(sandbox: Sandbox, connect: Any) -> None:
    conn_id = connect("g_processes", sandbox.genesys_connection())
    code = WORKER.format(module="genesys", hook="GenesysCloudHook", conn_id=conn_id, method="iter_details_in")
    for _ in range(4):
        assert _finish(_start_worker(code, os.environ.copy())) > 0
    assert sandbox.count("tokens issued genesys") == 1
    assert sandbox.count("POST genesys details/query") >= 4


def test_a_token_expiring_mid_extraction_is_renewed_before_use(
    sandbox_factory: Callable[..., Sandbox], connect: Any
) -> None:
    sandbox = sandbox_factory(token_ttl=1.5, rate_limit=None, latency=0.3)  # 11 pages take over 3 s
    hook = GenesysCloudHook(
        connect("g_short", sandbox.genesys_connection(token_leeway_seconds=0.5, requests_per_minute=0))
    )
    ids = [c["conversationId"] for c in hook.client.iter_conversation_details(DAY)]
    assert ids == sandbox.data.conversation_ids_started(sandbox.data.start, sandbox.data.end)
    assert sandbox.count("tokens issued genesys") >= 3  # pages span several token lifetimes
    assert sandbox.count("status 401") == 0  # renewed before expiry, never refused


def test_cxone_concurrent_refresh_in_two_processes_both_work_and_the_newest_token_is_stored(
    sandbox: Sandbox, connect: Any
) -> None:
    conn_id = connect("c_rotation", sandbox.cxone_connection("authorization_code", redirect_uri=REDIRECT))
    hook = NiceCxoneHook(conn_id)
    first = delegated_token(hook)
    hook.token_store.save(hook.token_key, first.without_access())
    code = WORKER.format(module="cxone", hook="NiceCxoneHook", conn_id=conn_id, method="iter_completed_contacts")
    workers = [_start_worker(code, os.environ.copy()) for _ in range(2)]
    assert all(_finish(worker) > 0 for worker in workers)
    latest = stored(hook)
    assert latest is not None and latest.refresh_token != first.refresh_token
    live = [t for t, r in sandbox._refresh.items() if not r["used"] and not r["revoked"]]
    assert live == [latest.refresh_token]


@pytest.mark.usefixtures("no_secret_leaks")
def test_a_revoked_refresh_token_asks_for_a_new_login_by_name(sandbox: Sandbox, connect: Any) -> None:
    hook = NiceCxoneHook(connect("c_revoked", sandbox.cxone_connection("authorization_code", redirect_uri=REDIRECT)))
    hook.token_store.save(hook.token_key, delegated_token(hook).without_access())
    sandbox.revoke_refresh_tokens()
    hook.client.authenticator.settings.rotation_wait = 0.2  # type: ignore[attr-defined]
    with pytest.raises(ReauthorizationRequired) as caught:
        list(hook.client.iter_completed_contacts(HOUR))
    assert "'c_revoked'" in str(caught.value)
    assert "ccanalytics-login --conn-id c_revoked" in str(caught.value)


def test_connection_validation_names_the_field(sandbox: Sandbox, connect: Any) -> None:
    no_secret = {**sandbox.genesys_connection(), "password": None}
    with pytest.raises(ConfigurationError, match="password"):
        GenesysCloudHook(connect("g_nosecret", no_secret)).get_conn()
    bad_region = {"conn_type": "genesys_cloud", "login": "x", "password": "y", "host": "mypurecloud.moon"}
    with pytest.raises(ConfigurationError, match=r"unknown Genesys Cloud region 'mypurecloud\.moon'"):
        GenesysCloudHook(connect("g_region", bad_region)).get_conn()
    bad_grant = sandbox.cxone_connection(grant_type="client_credentials")
    with pytest.raises(ConfigurationError, match="grant_type"):
        NiceCxoneHook(connect("c_grant", bad_grant)).get_conn()
    no_key = sandbox.cxone_connection()
    del no_key["extra"]["access_key_secret"]
    with pytest.raises(ConfigurationError, match="access_key_secret"):
        NiceCxoneHook(connect("c_nokey", no_key)).get_conn()
    ok, message = GenesysCloudHook(
        connect("g_wrong", {**sandbox.genesys_connection(), "password": "x"})
    ).test_connection()
    assert not ok and "invalid_client" in message


def test_regions_map_to_login_and_api_hosts(connect: Any) -> None:
    hook = GenesysCloudHook(
        connect("g_ie", {"conn_type": "genesys_cloud", "login": "a", "password": "b", "host": "mypurecloud.ie"})
    )
    assert hook.base_urls == ("https://login.mypurecloud.ie", "https://api.mypurecloud.ie")
    default = GenesysCloudHook(connect("g_default", {"conn_type": "genesys_cloud", "login": "a", "password": "b"}))
    assert default.base_urls == ("https://login.mypurecloud.com", "https://api.mypurecloud.com")


def _login_env(conn_id: str, connection: dict[str, Any]) -> dict[str, str]:
    return {**os.environ, f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(connection)}


@pytest.mark.parametrize("vendor", ["genesys", "cxone"])
def test_login_command_completes_headlessly_and_stores_the_refresh_token(
    sandbox: Sandbox, vendor: str, connect: Any
) -> None:
    conn_id = f"{vendor}_login"
    connection = (sandbox.genesys_connection if vendor == "genesys" else sandbox.cxone_connection)(
        "authorization_code", redirect_uri=REDIRECT
    )
    login, url = start_login(["--conn-id", conn_id, "--no-browser"], _login_env(conn_id, connection))
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["state"][0]) >= 20
    location = requests.get(url, allow_redirects=False).headers["Location"]
    out, err = login.communicate(location + "\n", timeout=60)
    assert login.returncode == 0, err
    assert "Logged in" in out
    hook_class = GenesysCloudHook if vendor == "genesys" else NiceCxoneHook
    token = VariableTokenStore().load(hook_class(connect(conn_id, connection)).token_key)  # type: ignore[operator]
    assert token is not None and token.refresh_token in sandbox._refresh
    assert token.refresh_token not in out + err


def test_login_command_rejects_a_wrong_state(sandbox: Sandbox) -> None:
    connection = sandbox.genesys_connection("authorization_code", redirect_uri=REDIRECT)
    login, url = start_login(["--conn-id", "g_state", "--no-browser"], _login_env("g_state", connection))
    location = urlsplit(requests.get(url, allow_redirects=False).headers["Location"])
    forged = urlunsplit(
        location._replace(query=urlencode({**dict(parse_qs(location.query)), "state": "forged"}, doseq=True))
    )
    _out, err = login.communicate(forged + "\n", timeout=60)
    assert login.returncode == 2
    assert "state" in err and "does not match" in err
    assert sandbox.count("POST genesys oauth/token") == 0  # the code was never exchanged


def test_login_command_receives_the_redirect_on_its_callback_server(sandbox: Sandbox, tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    redirect = f"http://127.0.0.1:{port}/callback"
    connection = sandbox.cxone_connection("authorization_code", redirect_uri=redirect)
    browser = tmp_path / "browser.py"
    browser.write_text("import sys, time, requests\ntime.sleep(0.5)\nrequests.get(sys.argv[1])\n")
    env = {**_login_env("c_callback", connection), "BROWSER": f"{sys.executable} {browser} %s"}
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "airflow_provider_ccanalytics.login",
            "--conn-id",
            "c_callback",
            "--print",
            "--timeout",
            "60",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    refresh = done.stdout.strip().splitlines()[-1]
    assert refresh in sandbox._refresh and time.monotonic() - started < 60


def test_the_ui_test_button_path_finds_the_hook_and_reports(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """As the API server's test endpoint does: the form's values under a transient env connection."""
    from airflow.models.connection import Connection

    wrong = {**sandbox.genesys_connection(), "password": "y"}
    for connection, expected in (
        (sandbox.genesys_connection(), True),
        (sandbox.cxone_connection(), True),
        (wrong, False),
    ):
        conn = Connection(
            conn_id=f"transient_{connection['conn_type']}",
            conn_type=connection["conn_type"],
            login=connection["login"],
            password=connection["password"],
            extra=json.dumps(connection["extra"]),
        )
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn.conn_id.upper()}", conn.as_json())
        ok, message = conn.test_connection()
        assert ok is expected, message
        assert ("Connected" in message) if expected else ("client id and client secret" in message)
