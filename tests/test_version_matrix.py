"""The smoke set (``matrix/``) on the oldest supported Airflow and on 3.2, each in its own venv with the pins that
version needs to run at all (the README's tested combinations). The whole suite runs on the newest (this venv).

Pins, as checked here in 2026-12: 3.1.8 needs an older ``cryptography`` (51.x breaks every Variable write with
``'MultiFernet' object has no attribute 'is_encrypted'``); 3.2.2 needs ``fastapi`` 0.136, ``cadwyn`` 7 and
``svcs`` 25.1.0 (newer ones break every task in the execution API).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Airflow version -> the pins it needs beside it (keep in step with the README's install section)
MATRIX: dict[str, tuple[str, ...]] = {
    "3.1.8": ("cryptography==46.0.7",),
    "3.2.2": ("fastapi==0.136.*", "cadwyn==7.*", "svcs==25.1.0"),
}


def uv() -> str:
    found = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    assert Path(found).exists(), "uv is installed by scripts/bootstrap.sh"
    return found


@pytest.mark.parametrize("version", sorted(MATRIX))
def test_the_smoke_set_passes_on_an_older_airflow(version: str) -> None:
    venv = ROOT / ".matrix" / f"airflow-{version}"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([uv(), "venv", "--quiet", "--python", sys.executable, str(venv)], check=True, timeout=600)
    install = [uv(), "pip", "install", "--quiet", "--python", str(python), "-e", str(ROOT)]
    done = subprocess.run(
        [*install, f"apache-airflow=={version}", *MATRIX[version], "pytest"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "PYTHONPATH"))}
    run = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "matrix"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    installed = subprocess.run(
        [str(python), "-c", "import airflow; print(airflow.__version__)"], capture_output=True, text=True, env=env
    )
    assert installed.stdout.strip() == version
    assert " passed" in run.stdout and " failed" not in run.stdout
