"""Settled partitions: the settle horizon, the settle pass, and lookback that leaves settled partitions alone.

Mixed into :class:`~airflow_provider_ccanalytics.operators.partitions.PartitionedOutput`. A partition is
``settled`` once its window ended the dataset's settle horizon before the vendor's clock/watermark at its
extraction; the settle pass (``settle=True``) re-extracts, once, the stored partitions whose horizon has passed
and that are not settled yet (one per run for a daily DAG); lookback skips settled partitions unless
``force_lookback``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from airflow_provider_ccanalytics.core.partitions import PartitionPlan, Window, parse_lookback, settle_units
from airflow_provider_ccanalytics.outputs import partition_path, read_manifest


class Settling:
    """The settle horizon and pass of an operator writing partitions."""

    log: Any
    vendor: str
    dataset: str
    destination: Any
    output_conn_id: str | None
    grain: str

    def partition_scope(self) -> str:
        raise NotImplementedError

    #: the settle horizon: ``"auto"`` (the dataset's default), a duration, or None (never settled)
    settle_horizon: Any = "auto"
    #: run the settle pass (re-extract the partitions whose settle horizon passed, once)
    settle: bool = False
    #: re-extract lookback partitions even when they are settled
    force_lookback: bool = False
    #: whether this operator's sources can fetch any partition on its own (the settle pass needs it)
    supports_settle: bool = False
    #: how many grain units before the latest one crossing its horizon the settle pass checks (missed runs)
    settle_scan: int = 3
    #: the vendor's documented window of late changes and its source (a shorter horizon is warned about)
    documented_changes: tuple[timedelta, str] | None = None
    _horizon_checked: bool = False

    def default_settle_horizon(self) -> timedelta | None:
        """The dataset's settle horizon from the vendor's documentation (None: never settled)."""
        return None

    def settle_horizon_delta(self) -> timedelta | None:
        """The settle horizon in force; one shorter than the vendor's documented changes is warned about, once."""
        if self.settle_horizon == "auto":
            return self.default_settle_horizon()
        horizon = parse_lookback(self.settle_horizon)
        if not self._horizon_checked and horizon is not None and self.documented_changes is not None:
            self._horizon_checked = True
            documented, source = self.documented_changes
            if horizon < documented:
                self.log.warning(
                    "settle_horizon %s is shorter than the %s after which %s documents changes (%s): partitions "
                    "marked settled may still change",
                    horizon,
                    documented,
                    self.vendor,
                    source,
                )
        return horizon

    def vendor_reference(self, plan: PartitionPlan) -> datetime | None:
        """The vendor's clock or watermark as the run starts (after :meth:`prepare_partitions`; default: now)."""
        return datetime.now(timezone.utc)

    def refine_plan(self, plan: PartitionPlan) -> PartitionPlan:
        """Drop settled lookback partitions (unless ``force_lookback``); add the settle pass's partitions."""
        if not self.settle and (self.force_lookback or not plan.lookback):
            return plan
        manifests = {unit: self._stored_manifest(unit) for unit in plan.lookback}
        lookback = [unit for unit in plan.lookback if self.force_lookback or not (manifests[unit] or {}).get("settled")]
        if len(lookback) < len(plan.lookback):
            self.log.info("Lookback skips %d settled partition(s)", len(plan.lookback) - len(lookback))
        settle: list[Window] = []
        horizon, reference = self.settle_horizon_delta(), self.vendor_reference(plan)
        if self.settle and horizon is not None and reference is not None:
            for unit in settle_units(reference, horizon, self.grain, self.settle_scan):
                manifest = self._stored_manifest(unit)
                if manifest is not None and not manifest.get("settled"):
                    settle.append(unit)
        return plan.with_units(lookback, settle)

    def _stored_manifest(self, unit: Window) -> dict[str, Any] | None:
        folder = partition_path(
            self.destination, self.vendor, self.dataset, unit, self.output_conn_id, self.partition_scope()
        )
        return read_manifest(folder)

    def prepare_partitions(self, plan: PartitionPlan) -> None:
        """Called once before a run writes its partitions (vendors read their watermark here)."""
