"""A task state store in memory, as Airflow 3.3's ``task_state_store`` keeps values across a task's tries."""

from __future__ import annotations

from typing import Any


class MemoryStateStore:
    """``get``/``set``/``delete`` of JSON values, like ``context["task_state_store"]``."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get(self, key: str) -> Any:
        return self.values.get(key)

    def set(self, key: str, value: Any, retention: Any = None) -> None:
        self.values[key] = value

    def delete(self, key: str) -> None:
        self.values.pop(key, None)
