"""GenesysDataAvailabilitySensor: wait until details jobs see complete data for the window."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from airflow.sdk import BaseSensorOperator

from airflow_provider_ccanalytics.core.errors import CcAnalyticsError
from airflow_provider_ccanalytics.core.partitions import iso_z
from airflow_provider_ccanalytics.hooks.genesys import GenesysCloudHook
from airflow_provider_ccanalytics.operators.base import default_deferrable, resolve_window, seconds
from airflow_provider_ccanalytics.triggers.jobs import DataAvailabilityTrigger


class GenesysDataAvailabilitySensor(BaseSensorOperator):
    """Succeeds once Genesys' ``dataAvailabilityDate`` reaches the window's end.

    :param genesys_cloud_conn_id: the Genesys Cloud connection.
    :param start: window start (templated; default: the run's data interval).
    :param end: window end (templated; default: the run's data interval).
    :param deferrable: wait in the triggerer instead of a worker slot.
    """

    template_fields: Sequence[str] = ("start", "end")

    def __init__(
        self,
        *,
        genesys_cloud_conn_id: str = GenesysCloudHook.default_conn_name,
        start: Any = None,
        end: Any = None,
        deferrable: bool = default_deferrable(),
        poke_interval: timedelta | float = 300.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(poke_interval=seconds(poke_interval), **kwargs)
        self.genesys_cloud_conn_id = genesys_cloud_conn_id
        self.start = start
        self.end = end
        self.deferrable = deferrable

    def poke(self, context: Any) -> bool:
        window = resolve_window(self.start, self.end, context)
        available = GenesysCloudHook(self.genesys_cloud_conn_id).client.data_availability()
        self.log.info("Data available up to %s; window ends %s", iso_z(available), iso_z(window.end))
        return available >= window.end

    def execute(self, context: Any) -> Any:
        if not self.deferrable or self.poke(context):
            return super().execute(context)
        window = resolve_window(self.start, self.end, context)
        self.defer(
            trigger=DataAvailabilityTrigger(self.genesys_cloud_conn_id, iso_z(window.end), self.poke_interval),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout),
        )

    def execute_complete(self, context: Any, event: dict[str, Any]) -> None:
        if event.get("status") != "success":
            raise CcAnalyticsError(str(event.get("message")))
