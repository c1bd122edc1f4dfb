"""The connection forms and the Test button in a real browser against a real ``airflow api-server``.

Debian's chromium (installed here when missing) driven by Playwright's Python package. The
api-server runs with its own SQLite home in its own process group; the sandbox on loopback is
what the Test button reaches. Screenshots are kept in ``.test-artifacts/browser/``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_ccanalytics.testing import Sandbox

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / ".test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _need(reason: str) -> None:
    """Fail in CI (a fresh machine must be able to run this test), skip elsewhere."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _ensure_chromium() -> str:
    if not Path(CHROMIUM).exists():
        install = "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium"
        done = subprocess.run(["bash", "-c", install], capture_output=True, text=True, timeout=900)
        if done.returncode != 0 or not Path(CHROMIUM).exists():
            _need(f"chromium is missing and '{install}' failed: {done.stderr[-1000:]}")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, then SIGKILL what is left (workers can outlive SIGTERM)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``airflow api-server`` on a free port, with its own SQLite home; yields its base URL."""
    home = tmp_path_factory.mktemp("api-server-home")
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__CORE__FERNET_KEY": "Yk9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm8=",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
            "AIRFLOW__API__WORKERS": "1",
            "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        }
    )
    airflow = [sys.executable, "-m", "airflow"]
    subprocess.run([*airflow, "db", "migrate"], env=env, check=True, capture_output=True, timeout=600)
    port = _free_port()
    log = (home / "api-server.log").open("wb")
    server = subprocess.Popen(
        [*airflow, "api-server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, stopped by its PID
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if requests.get(f"{base}/api/v2/monitor/health", timeout=5).ok:
                    break
            except requests.RequestException:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"api-server did not start: {(home / 'api-server.log').read_text()[-3000:]}")
            time.sleep(1)
        yield base
    finally:
        _stop_group(server)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("the playwright package is missing (pip install -e '.[dev]')")
    executable = _ensure_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# -- driving the forms -----------------------------------------------------------------------------


def open_section(page: Any, title: str) -> None:
    """Open one accordion section of the connection form (opening one closes the others)."""
    trigger = page.get_by_role("button", name=title, exact=True)
    if trigger.get_attribute("aria-expanded") != "true":
        trigger.click()


def pick(page: Any, target: Any, text: str) -> None:
    """Choose ``text`` in a react-select (its menu opens on a click; typing filters it)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    option = page.get_by_role("option", name=text).first
    for attempt in range(3):
        target.wait_for(state="visible")
        target.click(force=True)
        page.keyboard.type(text)
        try:
            option.wait_for(timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.keyboard.press("Control+A")  # not Escape: that closes the dialog
            page.keyboard.press("Backspace")
    option.click()


def add_connection(page: Any, base: str, conn_id: str, type_name: str, values: dict[str, dict[str, str]]) -> None:
    """Fill the Add Connection form: ``values`` maps a section title to {input name: value}."""
    page.goto(f"{base}/connections")
    page.get_by_role("button", name="Add Connection").click()
    page.locator("input[name=connection_id]").fill(conn_id)
    pick(page, page.get_by_text("Select Connection Type"), type_name)
    fill_sections(page, values)


def fill_sections(page: Any, values: dict[str, dict[str, str]]) -> None:
    for section, fields in values.items():
        open_section(page, section)
        for name, value in fields.items():
            if name == "region":
                pick(page, page.locator("#element_region input[role=combobox]"), value)
            else:
                page.locator(f"input[name={name}], input[name=element_{name}]").first.fill(value)


def save(page: Any) -> None:
    page.get_by_role("button", name="Save").click()
    page.get_by_role("dialog").wait_for(state="hidden")


def row(page: Any, conn_id: str) -> Any:
    return page.get_by_role("row").filter(has=page.get_by_role("cell", name=conn_id, exact=True))


def press_test(page: Any, base: str, conn_id: str) -> str:
    """Press the list's Test button for ``conn_id``; returns the toast's title and message."""
    page.goto(f"{base}/connections")
    toasts = page.locator("[data-scope=toast][data-part=root]")
    before = toasts.count()
    row(page, conn_id).get_by_role("button", name="Test Connection").click()
    toast = toasts.nth(before)
    toast.wait_for(timeout=120_000)
    return " | ".join(part.strip() for part in toast.inner_text().splitlines() if part.strip())


def open_edit(page: Any, base: str, conn_id: str) -> None:
    page.goto(f"{base}/connections")
    row(page, conn_id).get_by_role("button", name="Edit Connection").click()
    page.get_by_role("dialog").wait_for()


# -- the test --------------------------------------------------------------------------------------


def check_add_form(page: Any, base: str, type_name: str, labels: list[str], masked: dict[str, list[str]]) -> None:
    """Our labels are shown and the secret inputs are masked, section by section."""
    page.goto(f"{base}/connections")
    page.get_by_role("button", name="Add Connection").click()
    pick(page, page.get_by_text("Select Connection Type"), type_name)
    for label in labels:
        assert page.get_by_text(label, exact=True).first.is_visible(), label
    for section, names in masked.items():
        open_section(page, section)
        for name in names:
            field = page.locator(f"input[name={name}], input[name=element_{name}]").first
            assert field.get_attribute("type") == "password", name
        shot(page, f"add-{type_name.split()[0].lower()}-{section.split()[0].lower()}")


def test_forms_mask_secrets_and_the_test_button_answers(api_server: str, page: Any, sandbox: Sandbox) -> None:
    base, config = api_server, sandbox.config
    check_add_form(
        page,
        base,
        "Genesys Cloud",
        ["Client ID", "Client Secret", "Extra Fields", "Delegated access (authorization_code)"],
        {
            "Standard Fields": ["password"],
            "Rate limit": ["redis_password"],
            "Delegated access (authorization_code)": ["refresh_token"],
        },
    )
    check_add_form(
        page,
        base,
        "NICE CXone",
        ["OAuth Client ID", "OAuth Client Secret", "Access key (machine-to-machine)"],
        {
            "Standard Fields": ["password"],
            "Access key (machine-to-machine)": ["access_key_secret"],
            "Rate limit": ["redis_password"],
            "Delegated access (authorization_code)": ["refresh_token"],
        },
    )

    def genesys(secret: str) -> dict[str, dict[str, str]]:
        return {
            "Standard Fields": {"login": config.genesys_client_id, "password": secret, "port": "443"},
            "Extra Fields": {
                "region": "EMEA (Dublin) - mypurecloud.ie",
                "login_url": sandbox.genesys_login_url,
                "api_url": sandbox.genesys_api_url,
            },
        }

    def cxone(key_secret: str) -> dict[str, dict[str, str]]:
        return {
            "Standard Fields": {"login": config.cxone_client_id, "password": config.cxone_client_secret, "port": "443"},
            "Access key (machine-to-machine)": {
                "access_key_id": config.cxone_access_key_id,
                "access_key_secret": key_secret,
            },
            "Extra Fields": {"issuer": sandbox.cxone_issuer},
        }

    forms = {
        "ui_genesys": ("Genesys Cloud", genesys(config.genesys_client_secret)),
        "ui_genesys_wrong": ("Genesys Cloud", genesys("not-the-secret")),
        "ui_cxone": ("NICE CXone", cxone(config.cxone_access_key_secret)),
        "ui_cxone_wrong": ("NICE CXone", cxone("bm90LXRoZS1zZWNyZXQ====")),
    }
    for conn_id, (type_name, values) in forms.items():
        add_connection(page, base, conn_id, type_name, values)
        save(page)

    answers = {}
    for conn_id in forms:
        answers[conn_id] = press_test(page, base, conn_id)
        shot(page, f"test-{conn_id}")
    print(answers)
    for conn_id in ("ui_genesys", "ui_cxone"):
        assert answers[conn_id].startswith("Test Connection Successful | Connected to"), answers[conn_id]
    assert answers["ui_genesys_wrong"].startswith("Test Connection Failed"), answers["ui_genesys_wrong"]
    assert "client id and client secret" in answers["ui_genesys_wrong"]
    assert answers["ui_cxone_wrong"].startswith("Test Connection Failed"), answers["ui_cxone_wrong"]
    assert "OAuth token request failed" in answers["ui_cxone_wrong"] and "access key" in answers["ui_cxone_wrong"]

    secrets = (config.genesys_client_secret, config.cxone_client_secret, config.cxone_access_key_secret)
    genesys_masked = {"Standard Fields": "password"}
    cxone_masked = {"Standard Fields": "password", "Access key (machine-to-machine)": "access_key_secret"}
    for conn_id in forms:
        open_edit(page, base, conn_id)
        for section, name in (genesys_masked if "genesys" in conn_id else cxone_masked).items():
            open_section(page, section)
            field = page.locator(f"input[name={name}], input[name=element_{name}]").first
            assert field.input_value() == "***" and field.get_attribute("type") == "password"
            shot(page, f"edit-{conn_id}-{section.split()[0].lower()}")
        html = page.content()
        assert not [secret for secret in secrets if secret in html]
        if conn_id == "ui_genesys":
            open_section(page, "Extra Fields")
            assert page.get_by_text("EMEA (Dublin) - mypurecloud.ie").is_visible()
        open_section(page, "Standard Fields")
        page.locator("textarea[name=description]").fill("saved again from the edit form")
        save(page)

    for conn_id, first in answers.items():  # reopened and saved with '***' left as is: the secrets were kept
        again = press_test(page, base, conn_id)
        print(conn_id, "after saving again:", again)
        assert again.split(" | ")[0] == first.split(" | ")[0], (first, again)
