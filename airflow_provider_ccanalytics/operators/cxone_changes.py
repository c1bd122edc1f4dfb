"""CXone change capture over all history (``CxoneCompletedContactsOperator(mode="changes")``).

One watermark per connection, in an Airflow Variable (``ccanalytics_cdc_<conn id>``, JSON ``{"lastPollTime":
...}``) that every worker shares. A run asks ``/contacts/completed`` for every contact updated since it
(``updatedSince``, no ``startDate``/``endDate``: whatever the contact's start), keeps each contact's latest
version (greatest ``lastUpdateTime``), and merges each into the partition of its own start
(``contactStartDate``/``contactStart``): that partition is replaced atomically, exactly as a rerun replaces it,
with its stored records plus the changes (a stored record newer than a change is kept). The run's own
partitions are always written (so each run emits its partitions' asset events, empty ones included).

The watermark is advanced only once every partition the changes fed is committed: a crash before that
re-reads the same changes next time (merging them again is idempotent), never skips them. First commit wins
in :mod:`~airflow_provider_ccanalytics.outputs`: a merge that another writer's commit superseded is redone
on the winner's partition (up to :data:`MERGE_ATTEMPTS` times, then a retryable :class:`PartitionBusyError`).

No watermark yet: the run's window is extracted in full and the watermark set to the vendor's clock before
that extraction. A watermark older than ``max_watermark_age`` (NICE does not publish how far back
``updatedSince`` may go): logged once as a warning, then every partition a change since the watermark can
belong to (from ``longest_contact`` + ``late_data_margin`` before the watermark to the run's window end) is
re-extracted in full, and the watermark set again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from airflow_provider_ccanalytics.compat import get_variable, set_variable
from airflow_provider_ccanalytics.core.cxone import contact_start
from airflow_provider_ccanalytics.core.errors import ConfigurationError, PartitionBusyError
from airflow_provider_ccanalytics.core.partitions import PartitionStatus, Window, iso_z, parse_instant, unit_of, units
from airflow_provider_ccanalytics.operators.partitions import current_context
from airflow_provider_ccanalytics.operators.runs import emit_asset_events
from airflow_provider_ccanalytics.outputs import PartitionChangedError, partition_path, read_manifest, read_partition

#: the description Airflow shows beside the Variables this module writes
_DESCRIPTION = "CXone change-capture watermark of airflow-provider-ccanalytics (see the README)"

log = logging.getLogger("airflow_provider_ccanalytics")

#: the Variable name prefix of the watermarks (``ccanalytics_cdc_<conn id>``)
WATERMARK_PREFIX = "ccanalytics_cdc_"
#: GUESS: how old a watermark may be before a full re-extraction replaces the change query. NICE publishes no
#: limit on how far back ``updatedSince`` may go (checked: the v34 reporting docs and public clients); a week
#: covers a long weekend's outage at hourly runs. A setting: ``max_watermark_age``.
DEFAULT_MAX_WATERMARK_AGE = timedelta(days=7)
#: how often one partition's merge is redone when another writer committed it first
MERGE_ATTEMPTS = 5


def watermark_variable(conn_id: str) -> str:
    """The Variable holding a connection's watermark."""
    return f"{WATERMARK_PREFIX}{conn_id}"


def load_watermark(name: str) -> datetime | None:
    """The stored watermark (the vendor's ``lastPollTime``), or None when none was set."""
    raw = get_variable(name)
    if not raw:
        return None
    try:
        return parse_instant(json.loads(raw)["lastPollTime"], "lastPollTime")
    except (ValueError, KeyError, TypeError) as error:
        raise ConfigurationError(
            "watermark_variable", f"Variable {name} is not a watermark record ({error}): delete it to start over"
        ) from error


def save_watermark(name: str, moment: datetime) -> None:
    """Store the watermark (JSON ``{"lastPollTime", "saved_at"}``)."""
    record = {"lastPollTime": iso_z(moment), "saved_at": iso_z(datetime.now(timezone.utc))}
    set_variable(name, json.dumps(record), _DESCRIPTION)


def latest_versions(records: Iterator[dict[str, Any]], grain: str) -> dict[Window, dict[str, dict[str, Any]]]:
    """The changed contacts by partition of their start, each once in its latest version (by ``lastUpdateTime``;
    a tie: the one read last). Held in memory: the changes since a recent watermark are few."""
    touched: dict[Window, dict[str, dict[str, Any]]] = {}
    for record in records:
        home = touched.setdefault(unit_of(contact_start(record), grain), {})
        key = str(record.get("contactId"))
        if key not in home or not _newer(home[key], record):
            home[key] = record
    return touched


def _newer(first: dict[str, Any], second: dict[str, Any]) -> bool:
    """Whether ``first`` is a strictly later version than ``second`` (by ``lastUpdateTime``)."""
    one, two = first.get("lastUpdateTime"), second.get("lastUpdateTime")
    if not one or not two:
        return False
    return parse_instant(one, "lastUpdateTime") > parse_instant(two, "lastUpdateTime")


def merged(folder: Any, changes: dict[str, dict[str, Any]]) -> Callable[[], Iterator[dict[str, Any]]]:
    """A source read when the partition is staged (after the writer's recovery, so a commit by another writer
    in between supersedes this one and the merge is redone): stored records, each replaced by a later change."""

    def read() -> Iterator[dict[str, Any]]:
        pending = dict(changes)
        if read_manifest(folder) is not None:
            for record in read_partition(folder):
                key = str(record.get("contactId"))
                change = pending.pop(key, None)
                yield record if change is None or _newer(record, change) else change
        yield from pending.values()

    return read


class ChangeCapture:
    """One run of ``mode="changes"`` for :class:`~airflow_provider_ccanalytics.operators.cxone.
    CxoneCompletedContactsOperator` (``operator``)."""

    def __init__(self, operator: Any) -> None:
        self.op = operator
        self.name = operator.watermark_variable or watermark_variable(operator.nice_cxone_conn_id)

    def run(self, window: Window) -> dict[str, Any]:
        op = self.op
        if op.destination in (None, "") or op.output_format == "delta":
            raise ConfigurationError("mode", 'mode="changes" writes file partitions: set output= (not XCom, not delta)')
        if op.settle or op.lookback not in ("auto", None):
            op.log.info('mode="changes" rewrites every partition a change touches: lookback and settle are not used')
        own = units(window, op.grain)
        floor = min(datetime.now(timezone.utc), window.end + timedelta(seconds=op.late_data_margin))
        op._clock_floor = floor
        since = load_watermark(self.name)
        if since is None:
            op.log.info("No watermark in Variable %s: extracting %s in full, then capturing changes", self.name, window)
            return self._full(own, window, floor, "first run")
        age = floor - since
        if age > op.max_watermark_age:
            reach = timedelta(seconds=op.longest_contact + op.late_data_margin)
            affected = units(Window(unit_of(since - reach, op.grain).start, window.end), op.grain)
            log.warning(  # the package's logger: one line, whatever the task logging setup
                "The watermark in Variable %s (%s) is %s old, more than max_watermark_age %s: the vendor may no "
                "longer answer changes that far back. Re-extracting in full the %d partitions from %s to %s instead",
                self.name,
                iso_z(since),
                age,
                op.max_watermark_age,
                len(affected),
                affected[0].label(),
                iso_z(window.end),
            )
            return self._full(affected, window, floor, "watermark too old")
        return self._changes(own, window, since)

    def _changes(self, own: list[Window], window: Window, since: datetime) -> dict[str, Any]:
        client, polls = self.op.hook.client, PartitionStatus(window, datetime.now(timezone.utc))
        touched = latest_versions(
            client.iter_completed_contacts(
                None, updated_since=since, on_page=lambda body: polls.saw_vendor_time(body.get("lastPollTime"))
            ),
            self.op.grain,
        )
        changed = sum(len(found) for found in touched.values())
        self.op.log.info("%d contacts updated since %s, in %d partitions", changed, iso_z(since), len(touched))
        written = [
            self._commit(unit, touched.get(unit, {}), polls.vendor_now, polls.watermark or since)
            for unit in sorted({*touched, *own}, key=lambda unit: unit.start)
        ]
        # the vendor's clock at the first page. Without a page (204: nothing changed, no lastPollTime) the watermark
        # stays: the worker's clock (the run's ``floor``) may be ahead of the vendor's, and moving to it would skip the
        # contacts that appear in between (tests/test_cdc_default_model.py, a quiet tenant)
        advanced = max(since, polls.watermark) if polls.watermark else since
        save_watermark(self.name, advanced)
        return self._summary(window, own, written, "changes", since, advanced, changed)

    def _full(self, affected: list[Window], window: Window, floor: datetime, why: str) -> dict[str, Any]:
        client, op = self.op.hook.client, self.op
        seen: list[datetime] = []
        first_answered: list[bool] = []  # whether the first partition extracted answered a page

        def sources(unit: Window, status: PartitionStatus) -> list[Any]:
            def on_page(body: dict[str, Any]) -> None:
                status.saw_vendor_time(body.get("lastPollTime"))
                if status.watermark is not None:
                    seen.append(status.watermark)
                    first_answered.append(unit == affected[0])

            return [lambda: client.iter_completed_contacts(unit, on_page=on_page)]

        written = [self._write(unit, sources) for unit in affected]
        # the vendor's clock before the first extraction: the first partition's first lastPollTime. When that
        # partition was answered 204 (no lastPollTime), neither a later page's lastPollTime nor the worker's clock
        # (``floor``, which can be ahead of the vendor's) bounds it: the run's window start does (the vendor's clock
        # passed it unless it is more than the window plus late_data_margin behind the worker's)
        below = [] if any(first_answered) else [window.start]
        advanced = min([*seen, floor, *below])
        save_watermark(self.name, advanced)
        op.log.info("Watermark %s set to %s (%s)", self.name, iso_z(advanced), why)
        own = units(window, op.grain)
        return self._summary(window, own, written, why, None, advanced, None)

    def _commit(self, unit: Window, changes: dict[str, dict[str, Any]], vendor: Any, upto: datetime) -> Any:
        op = self.op
        folder = partition_path(op.destination, op.vendor, op.dataset, unit, op.output_conn_id, op.partition_scope())

        def sources(unit: Window, status: PartitionStatus) -> list[Any]:
            status.saw_vendor_time(iso_z(vendor) if vendor else None)
            status.watermark = upto  # the partition holds every change up to here
            return [merged(folder, changes)]

        return self._write(unit, sources)

    def _write(self, unit: Window, sources: Any) -> dict[str, Any]:
        """Write one partition; redo it while another writer's commit supersedes it (first commit wins)."""
        op = self.op
        for _ in range(MERGE_ATTEMPTS):
            try:
                manifest: dict[str, Any] = op._write_one(unit, False, sources, {"endpoint": "contacts/completed"})
            except PartitionChangedError:  # replaced while read: read the new one
                continue
            if not manifest.get("superseded"):
                return manifest
            op.log.info("Partition %s: redoing the merge on the other writer's commit", unit.label())
        raise PartitionBusyError(
            f"partition {unit.label()} was committed by other writers {MERGE_ATTEMPTS} times during this run's "
            "merge: retry the task (the watermark was not advanced, no change is lost)"
        )

    def _summary(
        self,
        window: Window,
        own: list[Window],
        written: list[dict[str, Any]],
        why: str,
        since: datetime | None,
        advanced: datetime,
        changed: int | None,
    ) -> dict[str, Any]:
        written = sorted(written, key=lambda manifest: str(manifest["partition_key"]))
        self.op.written_outputs = written
        emit_asset_events(current_context(), self.op.outlets or [], written, self.op.partitioned_asset_events)
        mine = [manifest for manifest in written if manifest["partition_key"] in {unit.label() for unit in own}]
        return {
            "window": {"start": iso_z(window.start), "end": iso_z(window.end)},
            "record_count": sum(manifest["record_count"] for manifest in mine),
            "available": all(manifest["available"] for manifest in mine),
            "settled": all(manifest["settled"] for manifest in mine),
            "changes": {
                "how": why,
                "variable": self.name,
                "since": None if since is None else iso_z(since),
                "watermark": iso_z(advanced),
                "changed_contacts": changed,
                "partitions_written": len(written),
            },
            "partitions": [
                {
                    key: manifest.get(key)
                    for key in ("partition_key", "window", "record_count", "available", "settled", "uri")
                }
                for manifest in written
            ],
        }
