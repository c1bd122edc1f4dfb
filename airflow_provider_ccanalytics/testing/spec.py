"""What the sandbox generates: :class:`DataSpec`, the one description of a sandbox's data.

Sources: no vendor shape of its own (the models that follow from it name theirs: :mod:`.conversations`,
:mod:`.contacts`, :mod:`.late`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataSpec:
    """What to generate.

    :param seed: the random seed.
    :param conversations: Genesys conversations in the range.
    :param contacts: CXone completed contacts in the range.
    :param start: ISO start of the range.
    :param end: ISO end of the range.
    :param contact_max_seconds: the longest CXone contact.
    :param late_fraction: the share of conversations and contacts that change after they end.
    :param late_max_seconds: Genesys: a changing conversation is final up to this long after it ends
        (0, the default: every conversation is final at once and visible whatever the clock).
    :param contact_settle_seconds: CXone: (min, max) seconds after its end until each contact is visible
        (None: the sandbox's ``settle_seconds`` for all).
    :param contact_change_max_seconds: CXone: a changing contact changes once more up to this long after
        it became visible (0: never).
    :param reprocess_fraction: Genesys: the share of conversations its nightly pipeline changes once more,
        48 to 78 hours after they end (0, the default: none; see ``late.py``).
    """

    seed: int = 7
    conversations: int = 1000
    contacts: int = 1000
    start: str = "2026-01-01T00:00:00Z"
    end: str = "2026-01-02T00:00:00Z"
    contact_max_seconds: float = 1800.0
    late_fraction: float = 0.3
    late_max_seconds: float = 0.0
    contact_settle_seconds: tuple[float, float] | None = None
    contact_change_max_seconds: float = 0.0
    reprocess_fraction: float = 0.0
