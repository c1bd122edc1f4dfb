"""The README's "Testing your own DAGs" example, run as written against the nightly example DAG."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_block(name: str) -> str:
    """The code block after ``<!-- readme-test: name -->`` in the README."""
    found = re.search(
        rf"<!-- readme-test: {re.escape(name)} -->\n```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S
    )
    assert found, f"README has no block for {name}"
    return found.group(1)


def test_the_readme_dag_test_example_produces_the_sandbox_records(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "dags").mkdir()
    for name in ("conftest.py", "test_nightly.py"):
        (tmp_path / "tests" / name).write_text(readme_block(name))
    shutil.copy(ROOT / "example_dags" / "genesys_nightly_conversation_details.py", tmp_path / "dags")
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), "tests"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout
