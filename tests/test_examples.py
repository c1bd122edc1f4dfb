"""The example DAGs load, and no two of them write the same partitions."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from airflow.sdk.definitions.mappedoperator import MappedOperator

from airflow_provider_ccanalytics.operators.base import AnalyticsOperator

EXAMPLES = Path(__file__).resolve().parent.parent / "example_dags"


def test_each_example_writes_its_own_partitions() -> None:
    writers: dict[tuple[str, str, str], str] = {}
    for path in sorted(EXAMPLES.glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for task in module.dag.tasks:
            writer: Any = task
            destination = getattr(task, "destination", None)
            if isinstance(task, MappedOperator):  # genesys_many_orgs: one output for every mapped connection
                writer, destination = task.operator_class, task.partial_kwargs.get("output")
            kind = writer if isinstance(writer, type) else type(writer)
            if issubclass(kind, AnalyticsOperator) and destination:
                key = (str(destination), writer.vendor, writer.dataset)
                assert key not in writers, f"{module.dag.dag_id} and {writers[key]} both write {key}"
                writers[key] = module.dag.dag_id
    # contact_centre_model: 6 snapshots, conversation details and user details; quality_and_workforce: evaluations,
    # evaluation aggregates, management units and queues snapshots, adherence
    assert len(writers) == 18
    assert "genesys_many_orgs" in writers.values()


def test_the_model_example_writes_under_the_output_root_the_others_read(monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.delenv("CCANALYTICS_MODEL_OUTPUT", raising=False)
    monkeypatch.setenv("CCANALYTICS_OUTPUT", tmp_path.as_uri())
    spec = importlib.util.spec_from_file_location("example_model_output", EXAMPLES / "contact_centre_model.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert {task.destination for task in module.dag.tasks} == {f"{tmp_path.as_uri()}/contact_centre_model"}
