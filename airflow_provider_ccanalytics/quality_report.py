"""A small quality and workforce report from written partitions: average evaluation score by queue and
adherence by management unit (the WFM team).

For the ``quality_and_workforce`` example DAG and as an example to copy; nothing in the provider imports it. Plain
Python (no DuckDB): it reads the committed partitions through their manifests (:func:`read_partition`, records
layout, jsonl.gz or Parquet), so it runs wherever the operators run.

- Evaluations: the ``genesys/evaluations`` partition of the day (each evaluation created, submitted or released
  that day, newest state), by ``queueId``: the count of scored evaluations and the mean ``totalScore``.
- Adherence: the ``genesys/adherence`` partition of the day, by ``managementUnitId``: the users, the scheduled
  hours, adherence (%, weighted by each user-day's scheduled seconds: ``adherenceScheduleSeconds`` times
  ``adherencePercentage``) and conformance (%, on-queue seconds worked over on-queue seconds scheduled).

Names come from the queues and management units snapshots when given; an id without a name shows as the id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from airflow_provider_ccanalytics.outputs import read_partition
from airflow_provider_ccanalytics.report import text_table

Row = dict[str, Any]


def _names(snapshot: Any, conn_id: str | None) -> dict[str, str]:
    if not snapshot:
        return {}
    return {str(row["id"]): str(row.get("name") or row["id"]) for row in read_partition(snapshot, conn_id)}


def evaluations_by_queue(evaluations: Iterable[Row], queue_names: dict[str, str] | None = None) -> list[Row]:
    """Scored evaluations and their mean ``totalScore`` (rounded to 0.1) per queue, most evaluations first.

    :param evaluations: rows of the evaluations dataset.
    :param queue_names: queue id to name (an unnamed queue shows its id; none: ``(no queue)``).
    """
    scores: dict[str, list[float]] = defaultdict(list)
    for row in evaluations:
        if row.get("totalScore") is not None:
            scores[str(row.get("queueId") or "")].append(float(row["totalScore"]))
    names = queue_names or {}
    out = [
        {
            "queue": names.get(queue, queue or "(no queue)"),
            "evaluations": len(values),
            "average_score": round(sum(values) / len(values), 1),
        }
        for queue, values in scores.items()
    ]
    return sorted(out, key=lambda row: (-row["evaluations"], row["queue"]))


def adherence_by_unit(days: Iterable[Row], unit_names: dict[str, str] | None = None) -> list[Row]:
    """Users, scheduled hours, adherence and conformance (%, rounded to 0.1) per management unit, by name.

    :param days: user-day records of the adherence dataset.
    :param unit_names: management unit id to name.
    """
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in days:
        groups[str(row.get("managementUnitId") or "")].append(row)
    names = unit_names or {}
    out = []
    for unit, rows in groups.items():
        scheduled = sum(int(row.get("adherenceScheduleSeconds") or 0) for row in rows)
        adherent = sum(
            int(row.get("adherenceScheduleSeconds") or 0) * float(row.get("adherencePercentage") or 0) / 100
            for row in rows
        )
        queue_planned = sum(int(row.get("conformanceScheduleSeconds") or 0) for row in rows)
        queue_worked = sum(int(row.get("conformanceActualSeconds") or 0) for row in rows)
        out.append(
            {
                "management_unit": names.get(unit, unit),
                "users": len({row.get("userId") for row in rows}),
                "scheduled_hours": round(scheduled / 3600, 1),
                "adherence_pct": round(100 * adherent / scheduled, 1) if scheduled else None,
                "conformance_pct": round(100 * queue_worked / queue_planned, 1) if queue_planned else None,
            }
        )
    return sorted(out, key=lambda row: row["management_unit"])


def quality_and_workforce_report(
    evaluations: Any,
    adherence: Any,
    *,
    queues: Any = None,
    management_units: Any = None,
    conn_id: str | None = None,
) -> dict[str, list[Row]]:
    """The report of one day from the writing tasks' partitions.

    :param evaluations: the evaluations partition (its URI, or the summary the writing task returned).
    :param adherence: the adherence partition (likewise).
    :param queues: the queues snapshot (optional: names).
    :param management_units: the management units snapshot (optional: names).
    :param conn_id: the storage connection of a URI output.
    """
    return {
        "evaluations_by_queue": evaluations_by_queue(read_partition(evaluations, conn_id), _names(queues, conn_id)),
        "adherence_by_management_unit": adherence_by_unit(
            read_partition(adherence, conn_id), _names(management_units, conn_id)
        ),
    }


def format_report(report: dict[str, list[Row]]) -> str:
    """The report as aligned text tables, one per section."""
    blocks = []
    for title, rows in report.items():
        if not rows:
            blocks.append(f"{title}: no rows")
            continue
        header = list(rows[0])
        cells = [["" if row[key] is None else str(row[key]) for key in header] for row in rows]
        blocks.append(f"{title}\n" + text_table(header, cells))
    return "\n\n".join(blocks)
