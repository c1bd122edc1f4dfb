"""Test helpers: the API sandbox (a local emulator of both vendors) and Airflow connection helpers."""

from airflow_provider_ccanalytics.testing.data import Dataset, DataSpec
from airflow_provider_ccanalytics.testing.server import Fault, Sandbox, SandboxConfig

__all__ = ["DataSpec", "Dataset", "Fault", "Sandbox", "SandboxConfig"]
