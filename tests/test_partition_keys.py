"""Partition keys that Airflow's temporal partition mappers and roll-ups read (Airflow 3.3's partition_mappers).

The keys our operators put on asset events are window labels (``2026-01-01T05:00:00Z``); a downstream DAG that
rolls hourly partitions up to days rebuilds the upstream keys it waits for with the mapper's ``input_format``,
so the format must be exactly ours or the roll-up waits forever.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.partitions import (
    KEY_FORMS,
    PARTITION_KEY_FORMAT,
    Window,
    check_key_form,
    partition_key,
    split_partition_key,
    units,
)

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


# -- composite org|interval keys (ProductMapper) ------------------------------------------------------------------

ORG = "6f3ad1c6-7a0e-4a1b-9d6e-1f2a3b4c5d6e"


def product_rollup() -> Any:
    """The README's composite set-up: the org as it is, the interval to its day."""
    from airflow.partition_mappers.identity import IdentityMapper
    from airflow.partition_mappers.product import ProductMapper
    from airflow.partition_mappers.temporal import StartOfDayMapper

    return ProductMapper(IdentityMapper(), StartOfDayMapper(input_format=PARTITION_KEY_FORMAT))


def test_a_composite_key_is_the_org_then_the_interval_and_splits_back() -> None:
    scope = f"org={ORG}"
    assert partition_key(DAY.label(), scope, "interval") == "2026-01-01T00:00:00Z"
    assert partition_key(DAY.label(), scope, "org|interval") == f"{ORG}|2026-01-01T00:00:00Z"
    assert partition_key("2026-01-01", "tenant=4600001", "org | interval") == "4600001|2026-01-01"  # snapshots
    assert split_partition_key(f"{ORG}|2026-01-01T00:00:00Z") == (ORG, "2026-01-01T00:00:00Z")
    assert split_partition_key("2026-01-01T00:00:00Z") == (None, "2026-01-01T00:00:00Z")
    assert check_key_form(None) == "interval" and KEY_FORMS == ("interval", "org|interval")
    with pytest.raises(ConfigurationError, match="partition_key"):
        check_key_form("interval|org")
    with pytest.raises(ConfigurationError, match="org id"):
        partition_key(DAY.label(), None, "org|interval")


def test_a_product_mapper_rolls_composite_hourly_keys_up_to_the_composite_day_key() -> None:
    mapper = product_rollup()
    for org in (ORG, "4600001"):  # a Genesys org id, a CXone tenant id
        hourly = {partition_key(unit.label(), f"org={org}", "org|interval") for unit in units(DAY, "hour")}
        assert len(hourly) == 24
        assert {mapper.to_downstream(key) for key in hourly} == {f"{org}|2026-01-01"}
    assert mapper.to_partition_date(f"{ORG}|2026-01-01") == DAY.start
    with pytest.raises(ValueError, match="segments"):  # an interval-only key does not fit a composite mapper
        mapper.to_downstream(DAY.label())


COMPOSITE_DAG = """
from datetime import datetime, timedelta, timezone
from airflow.partition_mappers.identity import IdentityMapper
from airflow.partition_mappers.product import ProductMapper
from airflow.partition_mappers.temporal import StartOfDayMapper
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, Asset, PartitionedAssetTimetable
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow_provider_ccanalytics.core.partitions import PARTITION_KEY_FORMAT
from airflow_provider_ccanalytics.operators.genesys import GenesysConversationDetailsOperator

details = Asset("ccanalytics://test/composite_{through}/genesys/conversation_details")
with DAG("composite_{through}", schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), catchup=False) as dag:
    GenesysConversationDetailsOperator(task_id="details", output="{output}", split=timedelta(days=1),
                                       lookback=timedelta(days=1), settle_horizon=None, outlets=[details],
                                       {args})

by_org_and_day = ProductMapper(IdentityMapper(), StartOfDayMapper(input_format=PARTITION_KEY_FORMAT))
with DAG("composite_{through}_by_org_and_day",
         schedule=PartitionedAssetTimetable(assets=details, default_partition_mapper=by_org_and_day),
         start_date=datetime(2025, 12, 1, tzinfo=timezone.utc), is_paused_upon_creation=False):
    EmptyOperator(task_id="load")
"""


@pytest.mark.airflow
@pytest.mark.parametrize("through", ["argument", "config"])
def test_composite_keys_from_a_real_run_queue_a_product_mapper_s_org_and_day_partitions_and_a_lookback_rewrite_re_emits_the_same_key(  # noqa: E501
    through: str,
    sandbox: Any,
    connect: Any,
    run_dag: Callable[..., Any],
    out_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The operator's composite keys (as an argument or from ``[ccanalytics] partition_key``) name the org, the
    downstream ProductMapper queues one ``org|day`` run per partition; the next day's run rewrites the day before
    (lookback) and re-emits its event under the same key: what a roll-up's ``RerunPolicy`` then applies to."""
    from tests.conftest import GENESYS_ORG, task_states, utc
    from tests.test_asset_events import asset_events, queued_downstream

    connect("genesys_cloud_default", sandbox.genesys_connection())
    if through == "config":
        monkeypatch.setenv("AIRFLOW__CCANALYTICS__PARTITION_KEY", "org|interval")
    args = 'partition_key="org|interval"' if through == "argument" else ""
    source = COMPOSITE_DAG.format(output=out_dir.as_uri(), args=args, through=through)
    org = GENESYS_ORG.partition("=")[2]
    emitted = []
    for day in (2, 3):  # the runs of 2026-01-01 (with 2025-12-31 as lookback) and 2026-01-02 (2026-01-01 again)
        run = run_dag(source, utc(2026, 1, day), name=f"composite_{through}")
        assert task_states(run) == {"details": "success"}
        events = [event for event in asset_events(f"composite_{through}") if event.source_run_id == run.run_id]
        emitted.append(sorted(event.partition_key for event in events))
    first, second = emitted
    assert first == [f"{org}|2025-12-31T00:00:00Z", f"{org}|2026-01-01T00:00:00Z"]
    assert second == [f"{org}|2026-01-01T00:00:00Z", f"{org}|2026-01-02T00:00:00Z"]
    # 2026-01-01 is its own run's partition, then the next run's lookback rewrite: one key, emitted twice
    assert first[1] == second[0] and split_partition_key(second[0]) == (org, "2026-01-01T00:00:00Z")
    keys, _plain = queued_downstream(f"composite_{through}_by_org_and_day")
    assert {f"{org}|2025-12-31", f"{org}|2026-01-01", f"{org}|2026-01-02"} <= set(keys)


def test_the_readme_composite_dag_maps_composite_hourly_keys_to_the_org_and_day() -> None:
    from tests.test_readme_example import readme_block

    namespace: dict[str, Any] = {}
    exec(compile(readme_block("composite_dag.py"), "README composite_dag.py", "exec"), namespace)
    mapper = namespace["by_org_and_day"]
    hourly = [partition_key(unit.label(), f"tenant={ORG}", "org|interval") for unit in units(DAY, "hour")]
    assert {mapper.to_downstream(key) for key in hourly} == {f"{ORG}|2026-01-01"}


def test_a_roll_up_cannot_wait_on_composite_keys_in_airflow_3_3() -> None:
    """Why the README says a composite key's day run does not wait for the whole day."""
    from airflow.partition_mappers.base import RollupMapper
    from airflow.partition_mappers.window import DayWindow

    with pytest.raises(TypeError, match="DayWindow"):
        RollupMapper(upstream_mapper=product_rollup(), window=DayWindow())


def test_the_readme_rerun_policy_refreshes_the_roll_up() -> None:
    sdk = pytest.importorskip("airflow.sdk")
    if not hasattr(sdk, "RerunPolicy"):
        pytest.skip("RerunPolicy: Airflow after 3.3.2")
    from tests.test_readme_example import readme_block

    namespace: dict[str, Any] = {}
    exec(compile(readme_block("rerun_policy.py"), "README rerun_policy.py", "exec"), namespace)
    mapper = namespace["daily_rollup"]
    assert mapper.rerun_policy == sdk.RerunPolicy.REFRESH
    assert mapper.to_upstream("2026-01-01") == frozenset(unit.label() for unit in units(DAY, "hour"))
