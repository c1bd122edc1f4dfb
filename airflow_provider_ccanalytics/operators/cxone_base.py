"""What every NICE CXone operator shares: the connection, the late-data margin (the settle time) and waiting
it out (deferred or in place) before extracting.

The operators built on it: :mod:`.cxone` (completed contacts, Data Extraction and report jobs, custom
reports), :mod:`.cxone_agent_states` and the CXone endpoint operators in :mod:`.endpoints`.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Any

from airflow_provider_ccanalytics.core.errors import ConfigurationError
from airflow_provider_ccanalytics.core.partitions import PartitionPlan, PartitionStatus, Window, iso_z
from airflow_provider_ccanalytics.hooks.base import CcAnalyticsHook
from airflow_provider_ccanalytics.hooks.cxone import NiceCxoneHook
from airflow_provider_ccanalytics.operators.base import AnalyticsOperator, default_deferrable, seconds
from airflow_provider_ccanalytics.triggers.jobs import WaitUntilTrigger


class _CxoneOperator(AnalyticsOperator):
    """Shared by the CXone operators: the connection and the late-data margin.

    :param nice_cxone_conn_id: the NICE CXone connection.
    :param late_data_margin: how long after a window ends before its contacts are complete (30 min).
    :param wait_for_late_data: wait out the margin (True) or fail at once (False).
    :param deferrable: wait in the triggerer instead of a worker slot.
    """

    vendor = "cxone"

    def __init__(
        self,
        *,
        nice_cxone_conn_id: str = NiceCxoneHook.default_conn_name,
        late_data_margin: timedelta | float = timedelta(minutes=30),
        wait_for_late_data: bool = True,
        deferrable: bool = default_deferrable(),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.nice_cxone_conn_id = nice_cxone_conn_id
        self.late_data_margin = seconds(late_data_margin)
        self.wait_for_late_data = wait_for_late_data
        self.deferrable = deferrable

    @cached_property
    def hook(self) -> NiceCxoneHook:
        return NiceCxoneHook(self.nice_cxone_conn_id)

    def get_hook(self) -> CcAnalyticsHook:
        return self.hook

    _clock_floor: datetime | None = None

    def vendor_reference(self, plan: PartitionPlan) -> datetime | None:
        """A lower bound of the vendor's clock as the run starts: the run's window end plus the settle time
        (the run waits for that), or now if earlier. Each extraction then reads ``lastPollTime``."""
        return min(datetime.now(timezone.utc), plan.window.end + timedelta(seconds=self.late_data_margin))

    def prepare_partitions(self, plan: PartitionPlan) -> None:
        """Keep the lower bound of the vendor's clock, for partitions whose extraction saw no page (204)."""
        self._clock_floor = self.vendor_reference(plan)

    def partition_status(self, unit: Window) -> PartitionStatus:
        """Available once the window's end plus the settle time (``late_data_margin``) has passed."""
        status = super().partition_status(unit)
        status.settle = timedelta(seconds=self.late_data_margin)
        status.clock_floor = self._clock_floor
        return status

    def settled_window(self, context: Any) -> Window | None:
        """The window once its contacts settled; None when the task deferred to wait for that."""
        window = self.window(context)
        settled_at = window.end + timedelta(seconds=self.late_data_margin)
        wait = (settled_at - datetime.now(timezone.utc)).total_seconds()
        if wait <= 0:
            return window
        if not self.wait_for_late_data:
            raise ConfigurationError(
                "wait_for_late_data",
                f"the window ends {iso_z(window.end)}, inside the {self.late_data_margin:.0f} s "
                "late-data margin: its contacts are not settled yet. Run later, or set wait_for_late_data=True",
            )
        self.log.info("Window ends inside the late-data margin; waiting %.0f s until %s", wait, iso_z(settled_at))
        if self.deferrable:
            self.defer(trigger=WaitUntilTrigger(iso_z(settled_at)), method_name="execute_settled")
        time.sleep(wait)
        return window

    def execute(self, context: Any) -> Any:
        window = self.settled_window(context)
        assert window is not None
        return self.extract(context, window)

    def execute_settled(self, context: Any, event: dict[str, Any]) -> Any:
        """Resume after the late-data margin."""
        return self.extract(context, self.window(context))

    def extract(self, context: Any, window: Window) -> Any:
        raise NotImplementedError
