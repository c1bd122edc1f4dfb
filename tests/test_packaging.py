"""What a platform team installs: the wheel and sdist carry the licence and the typing marker, the metadata names
the Python versions, and the ``[ccanalytics]`` options are declared where Airflow reads them."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import airflow_provider_ccanalytics
from airflow_provider_ccanalytics import get_provider_info
from airflow_provider_ccanalytics.settings import OPTIONS, SECTION

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(airflow_provider_ccanalytics.__file__).parent
UV = Path(sys.executable).with_name("uv")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel and an sdist built from this checkout (offline when the build backend is cached)."""
    out = tmp_path_factory.mktemp("dist")
    command = [str(UV), "build", "--quiet", "--out-dir", str(out), str(ROOT)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return out


def test_the_wheel_carries_the_licence_the_typing_marker_and_the_python_versions(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = Parser().parsestr(archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode())
    assert "airflow_provider_ccanalytics/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names[-10:]
    assert metadata["License-Expression"] == "Apache-2.0"
    classifiers = metadata.get_all("Classifier") or []
    requires = metadata["Requires-Python"]
    assert requires == ">=3.10"
    for minor in (10, 11, 12, 13):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert "Typing :: Typed" in classifiers
    urls = dict(entry.split(", ", 1) for entry in metadata.get_all("Project-URL") or [])
    assert sorted(urls) == ["Changelog", "Documentation", "Homepage", "Issues"], urls
    home = urls["Homepage"]
    assert home.startswith("https://") and home.endswith("/airflow-provider-ccanalytics")
    assert urls["Documentation"] == f"{home}/blob/main/README.md"
    assert urls["Changelog"] == f"{home}/blob/main/CHANGELOG.md" and urls["Issues"] == f"{home}/issues"


def test_the_sdist_carries_the_licence(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    assert any(n.endswith("/LICENSE") for n in names)
    assert any(n.endswith("/airflow_provider_ccanalytics/py.typed") for n in names)
    licence = (ROOT / "LICENSE").read_text()
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence


def test_the_provider_info_is_valid_against_airflows_schema() -> None:
    import jsonschema
    from airflow import providers_manager

    schema_path = Path(providers_manager.__file__).with_name("provider_info.schema.json")
    jsonschema.validate(get_provider_info(), json.loads(schema_path.read_text()))
    assert get_provider_info()["config"][SECTION]["options"] == OPTIONS


def test_every_ccanalytics_option_the_code_reads_is_declared() -> None:
    """An option read in the code but missing from the config block would be invisible to ``airflow config``."""
    read: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            values = [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
            if name.startswith("get") and values[:1] == [SECTION] and len(values) > 1:
                read.add(str(values[1]))
            elif name in ("option_float", "default_of") and values:
                read.add(str(values[0]))
    assert read, "the scan found no option reads: the test no longer looks where the code reads them"
    assert read <= set(OPTIONS), read - set(OPTIONS)


def test_airflow_config_shows_the_options_with_their_defaults() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(f"AIRFLOW__{SECTION.upper()}__")}
    for name, option in OPTIONS.items():
        result = subprocess.run(
            [sys.executable, "-m", "airflow", "config", "get-value", SECTION, name],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert result.stdout.strip() == option["default"]
