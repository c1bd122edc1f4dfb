"""What an operator needs from the Airflow run around it: a cron schedule's window, asset events."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pendulum

from airflow_provider_ccanalytics.core.partitions import Window, check_key_form, parse_instant, partition_key

log = logging.getLogger("airflow_provider_ccanalytics")


def cron_window(context: Any) -> Window | None:
    """The window of a run of a cron-string schedule (``CronTriggerTimetable``): previous fire time to this one.

    Such runs have an empty data interval. Returns None unless the DAG's timetable is a cron trigger and
    the run's logical date is one of its fire times (a manual run at another time, or an asset-triggered
    run, has no window to derive).
    """
    dag, logical_date = context.get("dag"), context.get("logical_date")
    timetable = getattr(dag, "timetable", None)
    if timetable is None or logical_date is None or type(timetable).__name__ != "CronTriggerTimetable":
        return None
    # the task SDK's timetable (3.2+) names them expression/timezone; the core one (3.1) _expression/_timezone
    expression = getattr(timetable, "expression", None) or getattr(timetable, "_expression", None)
    zone = getattr(timetable, "timezone", None) or getattr(timetable, "_timezone", None) or "UTC"
    if not expression:
        return None
    from croniter import croniter  # an Airflow dependency

    moment = pendulum.instance(parse_instant(logical_date, "logical_date")).in_timezone(
        pendulum.timezone(zone) if isinstance(zone, str) else zone
    )
    previous = croniter(expression, moment).get_prev(datetime)
    if croniter(expression, previous).get_next(datetime) != moment:
        return None  # not a fire time of the schedule: a manual run
    return Window(parse_instant(previous, "previous fire time"), parse_instant(moment, "logical_date"))


def emit_asset_events(
    context: Any, outlets: Sequence[Any], manifests: Sequence[dict[str, Any]], partitioned: bool
) -> int:
    """One asset event per written partition on each Asset outlet; returns the events emitted per asset.

    Each event's extra holds ``partitions``: ``{interval_start: {window, record_count, available, settled,
    complete (deprecated alias of available), path, lookback}}``. Where Airflow has partitioned asset events
    (3.2+) and ``partitioned`` is set, every partition is its own event keyed by its ``interval_start``
    (or ``<org>|<interval_start>``: see :func:`key_form`); otherwise one event carries them all.
    """
    from airflow.sdk import Asset

    events = context.get("outlet_events") if context else None
    assets = [outlet for outlet in outlets if isinstance(outlet, Asset)]
    if events is None or not assets or not manifests:
        return 0
    partitions = {
        manifest["partition_key"]: {
            "window": manifest["window"],
            "record_count": manifest["record_count"],
            "available": manifest.get("available", manifest.get("complete")),
            "settled": manifest.get("settled", False),
            "complete": manifest.get("complete"),  # deprecated alias of "available", kept one release
            "path": manifest["uri"],
            "lookback": manifest.get("lookback", False),
        }
        for manifest in manifests
    }
    emitted = 1
    form = key_form(context)
    for asset in assets:
        accessor = events[asset]
        accessor.extra["partitions"] = {**accessor.extra.get("partitions", {}), **partitions}
        if partitioned and hasattr(accessor, "add_partitions"):
            scope = context["task"].partition_scope() if form != "interval" else None
            accessor.add_partitions(sorted(partition_key(label, scope, form) for label in partitions))
            emitted = len(partitions)
    log.info("Asset events for %d partition(s) on %d asset(s)", len(partitions), len(assets))
    return emitted


def key_form(context: Any) -> str:
    """The partition key form of the running operator's asset events: its ``partition_key`` argument, else the
    ``[ccanalytics] partition_key`` option (``interval`` or ``org|interval``)."""
    form = getattr(context.get("task"), "partition_key", None)
    if form in (None, ""):
        from airflow_provider_ccanalytics.settings import option_str

        form = option_str("partition_key")
    return check_key_form(form)
