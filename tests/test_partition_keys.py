"""Partition keys that Airflow's temporal partition mappers and roll-ups read (Airflow 3.3's partition_mappers).

The keys our operators put on asset events are window labels (``2026-01-01T05:00:00Z``); a downstream DAG that
rolls hourly partitions up to days rebuilds the upstream keys it waits for with the mapper's ``input_format``,
so the format must be exactly ours or the roll-up waits forever.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_ccanalytics.core.partitions import PARTITION_KEY_FORMAT, Window, units

partition_mappers = pytest.importorskip("airflow.partition_mappers.base", reason="partition mappers: Airflow 3.3+")

DAY = Window.of("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")


def test_a_key_parses_back_to_its_window_start_with_the_documented_format() -> None:
    for unit in units(Window.of("2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z"), "hour")[::97]:
        parsed = datetime.strptime(unit.label(), PARTITION_KEY_FORMAT).replace(tzinfo=timezone.utc)
        assert parsed == unit.start


def test_airflows_default_input_format_does_not_read_our_keys() -> None:
    """Why the README says to pass ``input_format``: the default has no ``Z``."""
    from airflow.partition_mappers.temporal import StartOfDayMapper

    with pytest.raises(ValueError, match="unconverted data remains"):
        StartOfDayMapper().to_downstream(DAY.label())
    assert StartOfDayMapper(input_format=PARTITION_KEY_FORMAT).to_downstream("2026-01-01T05:00:00Z") == "2026-01-01"


def test_a_day_roll_up_waits_for_exactly_the_hourly_keys_an_hourly_operator_emits() -> None:
    from airflow.partition_mappers.base import RollupMapper
    from airflow.partition_mappers.temporal import StartOfDayMapper
    from airflow.partition_mappers.window import DayWindow

    rollup = RollupMapper(upstream_mapper=StartOfDayMapper(input_format=PARTITION_KEY_FORMAT), window=DayWindow())
    hourly_keys = {unit.label() for unit in units(DAY, "hour")}  # partition_key of each hourly asset event
    assert {rollup.to_downstream(key) for key in hourly_keys} == {"2026-01-01"}
    assert rollup.to_upstream("2026-01-01") == frozenset(hourly_keys)
    assert len(hourly_keys) == 24 and min(hourly_keys) == "2026-01-01T00:00:00Z"
    assert rollup.to_partition_date("2026-01-01") == DAY.start


def test_a_day_key_maps_to_itself_for_day_partitions() -> None:
    from airflow.partition_mappers.temporal import StartOfDayMapper

    mapper = StartOfDayMapper(input_format=PARTITION_KEY_FORMAT, output_format=PARTITION_KEY_FORMAT)
    day = DAY.start + timedelta(days=3)
    key = day.strftime(PARTITION_KEY_FORMAT)
    assert mapper.to_downstream(key) == key


def test_the_readme_roll_up_dag_waits_for_the_hourly_keys() -> None:
    from tests.test_readme_example import readme_block

    namespace: dict[str, object] = {}
    exec(compile(readme_block("rollup_dag.py"), "README rollup_dag.py", "exec"), namespace)
    mapper = namespace["daily_rollup"]
    assert mapper.to_upstream("2026-01-01") == frozenset(unit.label() for unit in units(DAY, "hour"))  # type: ignore[attr-defined]
