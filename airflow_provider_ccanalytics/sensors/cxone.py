"""CxoneDataExtractionJobSensor: wait for a Data Extraction job to end."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseSensorOperator

from airflow_provider_ccanalytics.core.errors import JobFailedError
from airflow_provider_ccanalytics.hooks.cxone import NiceCxoneHook


class CxoneDataExtractionJobSensor(BaseSensorOperator):
    """Succeeds when the job SUCCEEDED; fails when it FAILED, was CANCELLED or EXPIRED.

    :param job_id: the extraction job id (templated, e.g. from an upstream XCom).
    :param nice_cxone_conn_id: the NICE CXone connection.
    """

    template_fields: Sequence[str] = ("job_id",)

    def __init__(
        self, *, job_id: str, nice_cxone_conn_id: str = NiceCxoneHook.default_conn_name, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id
        self.nice_cxone_conn_id = nice_cxone_conn_id

    def poke(self, context: Any) -> bool:
        status = NiceCxoneHook(self.nice_cxone_conn_id).job_status(self.job_id)
        if status.done and not status.succeeded:
            raise JobFailedError(self.job_id, status.state, status.message)
        self.log.info("Extraction job %s is %s", self.job_id, status.state)
        return status.done
