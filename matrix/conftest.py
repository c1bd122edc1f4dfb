"""The smoke set run on each older supported Airflow (3.1, 3.2) from its own venv (tests/test_version_matrix.py).

It uses only what a user has: the package, its pytest plugin's sandbox fixtures and the example DAGs, in a
private SQLite Airflow home set here before anything imports Airflow.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

HOME = Path(tempfile.mkdtemp(prefix="ccanalytics-matrix-"))
(HOME / "dags").mkdir()
os.environ.update(
    {
        "AIRFLOW_HOME": str(HOME),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(HOME / "dags"),
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__CORE__FERNET_KEY": "Yk9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm8=",
        # dag.test() runs triggers inline (no scheduler race to wait out): no hold before a trigger's event
        "AIRFLOW__CCANALYTICS__MIN_DEFERRAL_SECONDS": "0",
    }
)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A migrated SQLite metadata database (once per session)."""
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)
    return HOME
