"""Time as a value that tests can replace: seconds since the epoch, UTC."""

from __future__ import annotations

from collections.abc import Callable

import pendulum

Clock = Callable[[], float]


def system_clock() -> float:
    """Now, in seconds since the epoch (UTC), from pendulum."""
    return pendulum.now("UTC").timestamp()
