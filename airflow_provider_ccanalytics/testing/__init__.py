"""Test helpers: the API sandbox (a local emulator of both vendors) and Airflow connection helpers.

The sandbox is written from the vendors' public sources (each module names its own), never from the client:
no module here imports the client's modules (``core``, hooks, operators, outputs, sensors, triggers).
"""

from airflow_provider_ccanalytics.testing.data import Dataset, DataSpec
from airflow_provider_ccanalytics.testing.server import Fault, Sandbox, SandboxConfig

__all__ = ["DataSpec", "Dataset", "Fault", "Sandbox", "SandboxConfig"]
