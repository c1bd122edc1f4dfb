"""The package's shape: a pure core that never imports Airflow, and a provider Airflow can read."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import airflow_provider_ccanalytics
from airflow_provider_ccanalytics import get_provider_info

PACKAGE = Path(airflow_provider_ccanalytics.__file__).parent


def test_core_modules_do_not_import_airflow_statically() -> None:
    offenders = []
    for module in sorted((PACKAGE / "core").glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{module.name}: {name}" for name in names if name.split(".")[0] == "airflow"]
    assert offenders == []


def test_importing_the_core_and_sandbox_loads_no_airflow_module() -> None:
    code = (
        "import sys, pkgutil, importlib, airflow_provider_ccanalytics.core as core\n"
        "for m in pkgutil.iter_modules(core.__path__): importlib.import_module(f'{core.__name__}.{m.name}')\n"
        "import airflow_provider_ccanalytics.testing\n"
        "print(sorted(m for m in sys.modules if m == 'airflow' or m.startswith('airflow.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_provider_info_names_the_distribution_and_every_module() -> None:
    info = get_provider_info()
    assert info["package-name"] == "airflow-provider-ccanalytics"
    assert [c["connection-type"] for c in info["connection-types"]] == ["genesys_cloud", "nice_cxone"]
    import importlib

    for section in ("hooks", "operators", "sensors", "triggers"):
        for entry in info[section]:
            for module in entry["python-modules"]:
                importlib.import_module(module)
    for conn in info["connection-types"]:
        module, _, name = conn["hook-class-name"].rpartition(".")
        hook = getattr(importlib.import_module(module), name)
        assert hook.conn_type == conn["connection-type"]
        for field in conn["conn-fields"].values():
            assert field["schema"]["type"] and field["label"]


def test_airflow_discovers_the_provider_and_its_hooks() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "airflow", "providers", "get", "airflow-provider-ccanalytics"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "airflow-provider-ccanalytics" in result.stdout
    assert "warn" not in (result.stdout + result.stderr).lower()
    hooks = subprocess.run([sys.executable, "-m", "airflow", "providers", "hooks"], capture_output=True, text=True)
    assert "genesys_cloud" in hooks.stdout and "nice_cxone" in hooks.stdout
