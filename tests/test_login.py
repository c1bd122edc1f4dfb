"""``ccanalytics-login``: connections from the metadata database, and a callback server that cannot hang."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from airflow.models import Variable
from airflow.utils.session import create_session

from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook
from airflow_provider_ccanalytics.login import CallbackServer
from airflow_provider_ccanalytics.testing import Sandbox
from airflow_provider_ccanalytics.token_store import VariableTokenStore
from tests.conftest import start_login

pytestmark = pytest.mark.usefixtures("airflow_db")
REDIRECT = "http://127.0.0.1:9/callback"
LOGIN = [sys.executable, "-m", "airflow_provider_ccanalytics.login"]


def _free_redirect() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/callback"


def _airflow_connections_add(conn_id: str, connection: dict[str, Any]) -> None:
    """Store a connection in the metadata database (SQLite), as an administrator would."""
    args = ["--conn-type", connection["conn_type"], "--conn-login", connection["login"]]
    if connection.get("password"):
        args += ["--conn-password", connection["password"]]
    args += ["--conn-extra", json.dumps(connection["extra"])]
    subprocess.run(
        [sys.executable, "-m", "airflow", "connections", "add", conn_id, *args],
        check=True,
        capture_output=True,
        timeout=300,
    )


@pytest.mark.parametrize("vendor", ["genesys", "cxone"])
def test_login_finds_a_connection_stored_in_the_metadata_database(sandbox: Sandbox, vendor: str) -> None:
    conn_id = f"db_{vendor}_login"
    connection = (sandbox.genesys_connection if vendor == "genesys" else sandbox.cxone_connection)(
        "authorization_code", redirect_uri=REDIRECT
    )
    _airflow_connections_add(conn_id, connection)
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW_CONN_")}
    login, url = start_login(["--conn-id", conn_id, "--no-browser"], env)
    redirect = requests.get(url, allow_redirects=False, timeout=30).headers["Location"]
    out, err = login.communicate(redirect + "\n", timeout=120)
    assert login.returncode == 0, err
    assert "Logged in" in out
    kind = "genesys_cloud" if vendor == "genesys" else "nice_cxone"
    store = VariableTokenStore()
    prefix = store.name(f"{kind}__{conn_id}__")  # the key ends in a fingerprint of the credentials
    with create_session() as session:
        names = [name for (name,) in session.query(Variable.key).filter(Variable.key.startswith(prefix))]
    assert len(names) == 1, names
    token = store.load(names[0].removeprefix(store.prefix))
    assert token is not None and token.refresh_token in sandbox._refresh


def test_a_missing_connection_is_named_with_where_it_was_looked_for() -> None:
    done = subprocess.run(
        [*LOGIN, "--conn-id", "no_such_conn", "--no-browser"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    message = done.stderr.strip().splitlines()[-1]
    assert message.startswith("ccanalytics-login: conn_id: no connection 'no_such_conn'"), message
    assert "AIRFLOW_CONN_NO_SUCH_CONN" in message and "the metadata database" in message


def _genesys_login(sandbox: Sandbox, connect: Any, redirect: str) -> tuple[Any, Any]:
    hook = GenesysCloudHook(connect("g_cb", sandbox.genesys_connection("authorization_code", redirect_uri=redirect)))
    request = hook.authorization_request()

    def finish(url: str) -> Any:
        return request.exchange(hook.token_endpoint, hook.transport, request.code_from_redirect(url))

    return request, finish


def test_a_silent_client_neither_blocks_the_redirect_nor_outlasts_the_timeout(sandbox: Sandbox, connect: Any) -> None:
    redirect = _free_redirect()
    request, finish = _genesys_login(sandbox, connect, redirect)
    port = urlsplit(redirect).port

    callback = CallbackServer(redirect, finish)
    silent = socket.create_connection(("127.0.0.1", port))  # connects, sends nothing (like a browser preconnect)
    location = requests.get(request.url(), allow_redirects=False, timeout=30).headers["Location"]
    answers: list[requests.Response] = []
    browser = threading.Thread(target=lambda: answers.append(requests.get(location, timeout=60)))
    browser.start()
    token = callback.wait(timeout=60)
    browser.join()
    silent.close()
    assert token.refresh_token in sandbox._refresh
    assert answers[0].status_code == 200 and "Logged in" in answers[0].text

    callback = CallbackServer(redirect, finish)
    silent = socket.create_connection(("127.0.0.1", port))
    started = time.monotonic()
    with pytest.raises(ConfigurationError, match="no redirect reached"):
        callback.wait(timeout=2)
    silent.close()
    assert time.monotonic() - started < 2 + 3  # bounded by --timeout, not by the silent client


def test_a_forged_state_fails_on_the_page_and_in_the_terminal(sandbox: Sandbox, connect: Any) -> None:
    redirect = _free_redirect()
    request, finish = _genesys_login(sandbox, connect, redirect)
    callback = CallbackServer(redirect, finish)
    location = urlsplit(requests.get(request.url(), allow_redirects=False, timeout=30).headers["Location"])
    forged = urlunsplit(location._replace(query=urlencode({**parse_qs(location.query), "state": "forged"}, doseq=True)))
    answers: list[requests.Response] = []
    browser = threading.Thread(target=lambda: answers.append(requests.get(forged, timeout=60)))
    browser.start()
    with pytest.raises(ConfigurationError, match="state does not match"):
        callback.wait(timeout=60)
    browser.join()
    assert answers[0].status_code == 400
    assert "Login failed" in answers[0].text and "Login received" not in answers[0].text
    assert "state does not match" in answers[0].text
    assert sandbox.count("POST genesys oauth/token") == 0  # the code was never exchanged


def test_a_login_port_in_use_says_what_to_change(sandbox: Sandbox, connect: Any) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        redirect = f"http://127.0.0.1:{busy.getsockname()[1]}/callback"
        _request, finish = _genesys_login(sandbox, connect, redirect)
        with pytest.raises(ConfigurationError) as caught:
            CallbackServer(redirect, finish)
    message = str(caught.value)
    assert message.startswith("redirect_uri:") and "in use" in message
    assert "another port" in message and "--redirect-uri" in message
