"""The demo's report (conversations, mean handle time, abandon rate by queue name) equals the ground truth."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.partitions import SnapshotDate, Window
from airflow_provider_ccanalytics.outputs import write_partition
from airflow_provider_ccanalytics.report import format_table, queue_report
from airflow_provider_ccanalytics.testing import DataSpec, dimensions
from airflow_provider_ccanalytics.testing.data import Dataset

pytest.importorskip("duckdb")

ORG = "org=demo-org"
DAY = Window.of("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")


def write_queues_snapshot(root: Path, records: list[dict[str, Any]], output_format: str, date: str) -> None:
    """A queues snapshot as the entities operator writes it: ``{root}/genesys/queues/org=<id>/snapshot_date=``."""
    write_partition(
        root.as_uri(),
        vendor="genesys",
        dataset="queues",
        window=SnapshotDate.of(date),
        sources=[lambda: iter(records)],
        output_format=output_format,
        scope=ORG,
    )


def truth(records: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    """The report computed in Python from the nested records."""
    by_queue: dict[str, list[tuple[int | None, bool]]] = defaultdict(list)
    for record in records:
        sessions = [session for participant in record["participants"] for session in participant["sessions"]]
        queue = next(seg["queueId"] for session in sessions for seg in session["segments"] if "queueId" in seg)
        metrics = {metric["name"]: metric["value"] for session in sessions for metric in session.get("metrics", [])}
        by_queue[names.get(queue, queue)].append((metrics.get("tHandle"), "tAbandon" in metrics))
    rows = []
    for queue, values in by_queue.items():
        handles = [handle for handle, _ in values if handle is not None]
        rows.append(
            {
                "queue": queue,
                "conversations": len(values),
                "mean_handle_s": round(sum(handles) / len(handles) / 1000, 1),
                "abandon_rate_pct": round(100 * sum(abandoned for _, abandoned in values) / len(values), 1),
            }
        )
    return sorted(rows, key=lambda row: (-row["conversations"], row["queue"]))


@pytest.mark.parametrize("output_format", ["jsonl.gz", "parquet"])
def test_the_report_equals_the_ground_truth_by_queue_name(tmp_path: Path, output_format: str) -> None:
    if output_format == "parquet":
        pytest.importorskip("pyarrow")
    data = Dataset(DataSpec(conversations=600, contacts=0))
    records = data.conversations_started(data.start, data.end)
    root = tmp_path / "output"
    # below an org= level, as the operators write them
    write_partition(
        root.as_uri(),
        vendor="genesys",
        dataset="conversation_details",
        window=DAY,
        sources=[lambda: iter(records[:300]), lambda: iter(records[300:])],
        output_format=output_format,
        scope=ORG,
    )
    queues = [
        {"id": queue_id, "name": name, "selfUri": f"/api/v2/routing/queues/{queue_id}"}
        for queue_id, name in zip(dimensions.QUEUE_IDS, dimensions.QUEUE_NAMES, strict=True)
    ]
    del queues[1]["name"]  # a queue without a name shows its id
    queues.pop(2)  # a queue missing from the snapshot shows its id
    write_queues_snapshot(root, [{"id": "stale", "name": "Old"}], output_format, "2025-12-31")  # older: not used
    write_queues_snapshot(root, queues, output_format, "2026-01-02")
    names = {queue["id"]: queue["name"] for queue in queues if "name" in queue}

    report = queue_report(root.as_uri(), "2026-01-01")

    assert report == truth(records, names)
    assert sum(row["conversations"] for row in report) == len(records) == 600
    assert {dimensions.QUEUE_IDS[1], dimensions.QUEUE_IDS[2]} <= {row["queue"] for row in report}
    assert "Sales" in format_table(report) and "abandon rate %" in format_table(report)


def test_the_report_without_a_snapshot_names_queues_by_id(tmp_path: Path) -> None:
    data = Dataset(DataSpec(conversations=100, contacts=0))
    records = data.conversations_started(data.start, data.end)
    write_partition(
        tmp_path.as_uri(), vendor="genesys", dataset="conversation_details", window=DAY, sources=[lambda: iter(records)]
    )
    report = queue_report(tmp_path, "2026-01-01")
    assert report == truth(records, {})


def test_the_readme_shows_the_query_the_report_runs() -> None:
    from airflow_provider_ccanalytics.report import SQL

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    shown = readme.split("## A report from your output")[1].split("```sql\n")[1].split("```")[0]
    assert (
        shown.strip().rstrip(";")
        == SQL.format(
            conversations=(
                "read_json_objects('/data/cc/genesys/conversation_details/*/interval_start=2026-01-01T00:00:00Z/part-*.jsonl.gz',"
                "\n                           format = 'newline_delimited')"
            ),
            queues="read_json_objects('/data/cc/genesys/queues/*/snapshot_date=2026-01-02/part-*.jsonl.gz', "
            "format = 'newline_delimited')",
        ).strip()
    )
