"""The package's shape: a pure core that never imports Airflow, and a provider Airflow can read."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import airflow_provider_ccanalytics
from airflow_provider_ccanalytics import get_provider_info

PACKAGE = Path(airflow_provider_ccanalytics.__file__).parent


def _imports(path: Path) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Every import of ``path`` (module level, in functions, under TYPE_CHECKING): (module, names)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ()
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, tuple(alias.name for alias in node.names)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
CORE = f"{PACKAGE.name}.core"
#: the rooms of core/, lowest first, and which rooms each may import (foundation: errors, clock, jsoncodec, version)
CORE_LAYERS: dict[str, set[str]] = {
    "foundation": set(),
    "partitions": {"foundation"},
    "records": {"foundation", "partitions"},
    "http": {"foundation"},
    "auth": {"foundation", "http"},
    "datasets": {"foundation", "http", "partitions", "records"},
    "genesys": {"foundation", "http", "auth", "partitions", "records", "datasets"},
    "cxone": {"foundation", "http", "auth", "partitions", "records", "datasets"},
    "catalog": {"foundation", "partitions", "records", "http", "auth", "datasets", "genesys", "cxone"},
}
#: what the sandbox may not import: the client (it is written from the vendors' sources, not from our code)
CLIENT = ("core", "hooks", "operators", "outputs", "sensors", "triggers", "connections", "login", "token_store")


def _room(module: str) -> str | None:
    """The room of a core module (``http``, ``genesys``, ``foundation``...), None outside core/."""
    if module == CORE:
        return "foundation"
    if not module.startswith(CORE + "."):
        return None
    first = module[len(CORE) + 1 :].split(".")[0]
    return "foundation" if first in ("errors", "clock", "jsoncodec", "version") else first


def _targets(module: str, names: tuple[str, ...]) -> list[str]:
    """The package's own modules an import statement loads by name (``from pkg import submodule`` included)."""
    found = [f"{module}.{name}" for name in names if f"{module}.{name}" in MODULES]
    return found or ([module] if module in MODULES else [])


def test_core_modules_do_not_import_airflow() -> None:
    offenders = [
        f"{name}: {module}"
        for name, path in MODULES.items()
        if name.startswith(CORE)
        for module, _ in _imports(path)
        if module.split(".")[0] == "airflow"
    ]
    assert offenders == []


def test_core_rooms_import_only_the_rooms_below_them() -> None:
    assert set(CORE_LAYERS) - {"foundation", "catalog"} == {
        path.parent.name for path in (PACKAGE / "core").glob("*/__init__.py")
    }, "a new package in core/ needs its row in CORE_LAYERS (and its rule in its __init__ docstring)"
    offenders = []
    for name, path in MODULES.items():
        room = _room(name)
        if room is None:
            continue
        for module, names in _imports(path):
            if module.startswith(PACKAGE.name) and not module.startswith(CORE):
                offenders.append(f"{name} -> {module} (core imports nothing of the Airflow layer)")
                continue
            for target in _targets(module, names):
                target_room = _room(target)
                if target_room not in (None, room) and target_room not in CORE_LAYERS[room]:
                    offenders.append(f"{name} ({room}) -> {target} ({target_room})")
    assert offenders == []


def test_other_code_enters_a_core_package_through_its_init() -> None:
    """Outside a package of core/, its names come from the package (its one way in), not its modules."""
    offenders = []
    for name, path in MODULES.items():
        for module, _names in _imports(path):
            room = _room(module)
            if room in (None, "foundation", "catalog") or module == f"{CORE}.{room}":
                continue
            if _room(name) != room:
                offenders.append(f"{name} -> {module}")
    assert offenders == []


def test_every_core_package_says_what_lives_there_and_what_it_may_import() -> None:
    for init in sorted((PACKAGE / "core").glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert "May import" in doc and len(doc) > 200, f"{init.parent.name}/__init__.py"


def test_the_package_has_no_import_cycle() -> None:
    graph = {
        name: {target for module, names in _imports(path) for target in _targets(module, names) if target != name}
        for name, path in MODULES.items()
    }
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            # a module importing its own package's __init__ (a parent) is how Python loads it, not a cycle
            if node.startswith(target + "."):
                continue
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_the_sandbox_imports_nothing_of_the_client() -> None:
    """The sandbox is written from the vendors' sources: it may not read the client's declarations."""
    client = tuple(f"{PACKAGE.name}.{part}" for part in CLIENT)
    offenders = [
        f"{name} -> {module}"
        for name, path in MODULES.items()
        if name.startswith(f"{PACKAGE.name}.testing")
        for module, names in _imports(path)
        for target in [module, *(f"{module}.{n}" for n in names)]
        if target.startswith(client)
    ]
    assert offenders == []


def test_importing_the_core_and_sandbox_loads_no_airflow_module() -> None:
    code = (
        "import sys, pkgutil, importlib, airflow_provider_ccanalytics.core as core\n"
        "for m in pkgutil.walk_packages(core.__path__, core.__name__ + '.'): importlib.import_module(m.name)\n"
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
