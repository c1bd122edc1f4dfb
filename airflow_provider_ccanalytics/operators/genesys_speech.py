"""Genesys Cloud speech & text analytics transcripts, bounded by a request budget per run (opt-in).

For each partition (``interval_start=``, by the conversation's start) the operator lists the window's
conversation details, takes their voice communications (:func:`...core.genesys.voice_communications`), asks
``GET .../transcripturls`` once per communication and fetches each pre-signed transcript WITHOUT the bearer token,
only from the connection's download hosts (``download_hosts``). One row per transcript file.

This is the stream that keeps closed connectors "in progress for several days": with ``max_requests=B`` a run
sends at most B requests (see :mod:`.budget` for what counts), then commits what it has, records where it
stopped and ends SUCCESSFULLY. Where it stopped is kept twice, each where it cannot disagree with the data: the
partition's manifest (``transcripts``: communications done, of how many, the last one done, ``complete``) is
committed with the records it describes; the checkpoint Variable lists the partitions not finished. The next run
(of any window) first finishes those, each resumed after its manifest's last communication (its stored records
are carried over, the rest appended in the same order: after enough runs the partition holds every transcript
once, as one run without a budget writes it), then does its own window. Never part of a default DAG.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from typing import Any

from airflow_provider_ccanalytics.core.errors import ConfigurationError, RequestBudgetExhausted
from airflow_provider_ccanalytics.core.genesys import (
    TRANSCRIPT_PURPOSES,
    Communication,
    download_transcript,
    nest_conversations,
    transcript_rows,
    transcript_urls,
    voice_communications,
)
from airflow_provider_ccanalytics.core.partitions import Window, iso_z, parse_instant, require_aligned, units
from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook
from airflow_provider_ccanalytics.operators.base import AnalyticsOperator
from airflow_provider_ccanalytics.operators.budget import Checkpoint, checkpoint_variable, request_budget, spent
from airflow_provider_ccanalytics.operators.partitions import current_context
from airflow_provider_ccanalytics.operators.runs import emit_asset_events
from airflow_provider_ccanalytics.outputs import partition_path, read_manifest, read_partition, write_partition

log = logging.getLogger("airflow_provider_ccanalytics")  # one logger: the task log and tests both see it


class GenesysTranscriptsOperator(AnalyticsOperator):
    """Speech & text analytics transcripts of the window's voice conversations (opt-in), within ``max_requests``.

    Permissions: ``analytics:conversationDetail:view`` (the details listing), ANY of ``recording:recording:view``,
    ``recording:recordingSegment:view`` (transcript URLs). The connection's ``download_hosts`` must include the
    transcript files' host (default ``amazonaws.com``).

    :param genesys_cloud_conn_id: the Genesys Cloud connection.
    :param max_requests: the most HTTP requests per run (strongly advised: a day of 1,000 agents is tens of
        thousands of requests). Reached: the run commits what it has and ends successfully; the next run goes on.
    :param participant_purposes: whose voice sessions are asked for transcripts (default ``customer``,
        ``external``: GUESS, see the README).
    :param checkpoint_variable: the checkpoint Variable (default ``ccanalytics_budget_<dag_id>.<task_id>``).
    :param conversations_from: the ``output`` of an upstream ``GenesysConversationDetailsOperator`` or details job
        (same connection and grain, ``records`` or ``tables`` layout; templated): its partition of the window is
        read instead of asking the details query (no request for the listing). A partition not there yet: the
        details query is asked, as without it.
    :param output: the base URI (required: a run resumes from its stored partitions).
    :param start: window start (templated; default: the run's data interval).
    :param end: window end (templated).
    """

    template_fields: Sequence[str] = (*AnalyticsOperator.template_fields, "checkpoint_variable", "conversations_from")
    honours_max_requests = True
    vendor = "genesys"
    dataset = "transcripts"
    schema_name = "genesys.transcripts"

    def __init__(
        self,
        *,
        genesys_cloud_conn_id: str = GenesysCloudHook.default_conn_name,
        participant_purposes: Sequence[str] = TRANSCRIPT_PURPOSES,
        checkpoint_variable: str | None = None,
        conversations_from: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conversations_from = conversations_from
        self.genesys_cloud_conn_id = genesys_cloud_conn_id
        self.participant_purposes = tuple(participant_purposes)
        self.checkpoint_variable = checkpoint_variable
        if self.layout != "records" or self.output_format == "delta":
            raise ConfigurationError("output_format", "transcripts are written as jsonl.gz or parquet records")

    @cached_property
    def hook(self) -> GenesysCloudHook:
        return GenesysCloudHook(self.genesys_cloud_conn_id)

    def get_hook(self) -> GenesysCloudHook:
        return self.hook

    def execute(self, context: Any) -> Any:
        if self.destination in (None, ""):
            raise ConfigurationError("output", "transcripts resume from their stored partitions: set output=")
        window = self.window(context)
        require_aligned(window, self.grain)
        checkpoint = Checkpoint(self.checkpoint_variable or checkpoint_variable(context, self.task_id))
        pending = [Window.of(*pair) for pair in checkpoint.load().get("pending", [])]
        todo = sorted({*pending, *units(window, self.grain)}, key=lambda unit: unit.start)
        transport, started = self.hook.transport, time.monotonic()
        before = transport.stats.requests
        written: list[dict[str, Any]] = []
        unfinished: list[Window] = []
        stop: dict[str, Any] = {}
        with request_budget(transport, self.max_requests):
            for unit in todo:
                if stop:
                    unfinished.append(unit)
                    continue
                try:
                    manifest = self._partition(unit)
                except RequestBudgetExhausted:  # before anything of the unit was fetched (token, org, details)
                    stop = {"partition": unit.label(), "next": "(its conversation details)"}
                    unfinished.append(unit)
                    continue
                written.append(manifest)
                progress = manifest["transcripts"]
                if not progress["complete"]:
                    stop = {"partition": unit.label(), "next": progress["next"]}
                    unfinished.append(unit)
        used = spent(transport, before)
        saved: dict[str, Any] = {}
        if self.max_requests is not None or pending:  # without a budget nothing is left pending: no Variable
            saved = checkpoint.save(
                pending=[[iso_z(unit.start), iso_z(unit.end)] for unit in unfinished],
                stopped_at=stop or None,
                requests=used,
                max_requests=self.max_requests,
            )
        if stop and not any(manifest["transcripts"]["fetched"] for manifest in written):
            log.warning(
                "This run fetched no transcript: max_requests=%s is below its fixed cost (token, organization lookup, "
                "the pending partition's conversation details: one request per 100 conversations). Raise it",
                self.max_requests,
            )
        done = sum(manifest["transcripts"]["done"] for manifest in written)
        total = sum(manifest["transcripts"]["of"] for manifest in written)
        records = sum(manifest["record_count"] for manifest in written)
        if stop:
            log.warning(
                "transcripts %d of %d communications (%d transcripts) in %.1f s, budget %d requests reached; "
                "next run resumes at %s of partition %s (%d partitions pending, Variable %s)",
                done,
                total,
                records,
                time.monotonic() - started,
                self.max_requests,
                stop["next"],
                stop["partition"],
                len(unfinished),
                checkpoint.name,
            )
        else:
            log.info(
                "transcripts %d of %d communications (%d transcripts) in %.1f s, %d requests: every partition done",
                done,
                total,
                records,
                time.monotonic() - started,
                used,
            )
        self.written_outputs = written
        emit_asset_events(current_context(), self.outlets or [], written, self.partitioned_asset_events)
        return {
            "window": {"start": iso_z(window.start), "end": iso_z(window.end)},
            "record_count": records,
            "budget_reached": bool(stop),
            "requests": used,
            "communications": {"done": done, "of": total},
            "checkpoint": {"variable": checkpoint.name, **saved},
            "partitions": [
                {key: manifest.get(key) for key in ("partition_key", "record_count", "available", "uri", "transcripts")}
                for manifest in written
            ],
        }

    def _partition(self, unit: Window) -> dict[str, Any]:
        """Write one partition: its stored transcripts (when a run stopped in it) plus as many more as the budget
        allows. :raises RequestBudgetExhausted: when the budget ran out before the communications were listed."""
        client, scope = self.hook.client, self.partition_scope()
        stats, started = self.hook.transport.stats, time.monotonic()
        before = stats.requests
        folder = partition_path(self.destination, self.vendor, self.dataset, unit, self.output_conn_id, scope)
        communications = [
            found
            for found in voice_communications(self._conversations(unit, scope), self.participant_purposes)
            if unit.contains(parse_instant(found.conversation_start, "conversationStart"))
        ]
        previous = (read_manifest(folder, self.output_conn_id) or {}).get("transcripts") or {}
        last = tuple(previous["last"]) if previous.get("last") and not previous.get("complete") else None
        remaining = [found for found in communications if last is None or (*_fields(found),) > last]
        progress: dict[str, Any] = {"done": len(communications) - len(remaining), "of": len(communications)}
        progress.update(last=list(last) if last else None, next=None, complete=False, fetched=0)

        def source() -> Iterator[dict[str, Any]]:
            if last is not None:  # carried over: the stored partition holds the communications up to `last`
                yield from read_partition(folder, self.output_conn_id)
            for found in remaining:
                try:
                    rows = [
                        row
                        for entry in transcript_urls(client, found)
                        for row in transcript_rows(found, entry, download_transcript(client, str(entry["url"])))
                    ]
                except RequestBudgetExhausted:
                    progress["next"] = found.key
                    return
                yield from rows
                progress["done"] += 1
                progress["fetched"] += 1
                progress["last"] = list(_fields(found))
            progress["complete"] = True

        manifest = write_partition(
            self.destination,
            vendor=self.vendor,
            dataset=self.dataset,
            window=unit,
            sources=[source],
            output_format=self.output_format,
            layout="records",
            conn_id=self.output_conn_id,
            schema_name=self.schema_name,
            scope=scope,
            manifest_extra=lambda: {
                "query": {"endpoint": "transcripturls", "participant_purposes": list(self.participant_purposes)},
                "grain": self.grain,
                "available": progress["complete"],
                "settled": False,
                "complete": progress["complete"],
                "transcripts": dict(progress),
            },
        )
        log.info(
            "transcripts %s: %d of %d communications (%d this run), %d transcript files in the partition, "
            "%d requests, %.1f s%s",
            unit.label(),
            progress["done"],
            progress["of"],
            progress["fetched"],
            manifest["record_count"],
            stats.requests - before,
            time.monotonic() - started,
            "" if progress["complete"] else f"; stopped before {progress['next']}",
        )
        return {**manifest, "partition_key": unit.label(), "transcripts": dict(progress)}

    def _conversations(self, unit: Window, scope: str) -> Iterable[dict[str, Any]]:
        """The conversations of ``unit``: the upstream details partition (``conversations_from``) when it is
        there, else the details query."""
        if self.conversations_from not in (None, ""):
            folder = partition_path(
                self.conversations_from, "genesys", "conversation_details", unit, self.output_conn_id, scope
            )
            manifest = read_manifest(folder, self.output_conn_id)
            if manifest is not None:
                log.info("transcripts %s: conversations read from %s", unit.label(), folder)
                if manifest.get("layout") == "tables":
                    names = ("conversations", "participants", "sessions")
                    return nest_conversations(
                        {name: list(read_partition(folder, self.output_conn_id, table=name)) for name in names}
                    )
                return read_partition(folder, self.output_conn_id)
            log.info("transcripts %s: no details partition at %s; asking the details query", unit.label(), folder)
        return self.hook.client.iter_conversation_details(unit)


def _fields(found: Communication) -> tuple[str, str, str]:
    return (found.conversation_start, found.conversation_id, found.communication_id)
