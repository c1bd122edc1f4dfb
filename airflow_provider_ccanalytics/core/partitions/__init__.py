"""Time and partitions: windows, grains and lookback, and what a partition's status says.

``windows.py`` has :class:`Window` (a half-open UTC interval) and :class:`SnapshotDate`; ``grain.py`` the
partition grain, alignment checks and lookback plans; ``completeness.py`` the :class:`PartitionStatus` a
manifest carries; ``keys.py`` the asset events' partition keys (``interval`` or ``org|interval``).

May import: the foundation only."""

from __future__ import annotations

from airflow_provider_ccanalytics.core.partitions.completeness import PartitionStatus, conversation_is_open
from airflow_provider_ccanalytics.core.partitions.grain import (
    PartitionPlan,
    WindowNotAlignedError,
    grain_step,
    lookback_units,
    parse_lookback,
    require_aligned,
    settle_units,
    unit_of,
    units,
)
from airflow_provider_ccanalytics.core.partitions.keys import (
    KEY_DELIMITER,
    KEY_FORMS,
    check_key_form,
    partition_key,
    split_partition_key,
)
from airflow_provider_ccanalytics.core.partitions.windows import (
    PARTITION_KEY_FORMAT,
    SnapshotDate,
    Window,
    iso_z,
    parse_instant,
)

__all__ = [
    "KEY_DELIMITER",
    "KEY_FORMS",
    "PARTITION_KEY_FORMAT",
    "PartitionPlan",
    "PartitionStatus",
    "SnapshotDate",
    "Window",
    "WindowNotAlignedError",
    "check_key_form",
    "conversation_is_open",
    "grain_step",
    "iso_z",
    "lookback_units",
    "parse_instant",
    "parse_lookback",
    "partition_key",
    "require_aligned",
    "settle_units",
    "split_partition_key",
    "unit_of",
    "units",
]
