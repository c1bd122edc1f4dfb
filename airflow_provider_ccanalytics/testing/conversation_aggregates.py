"""Ground truth of the Genesys conversation aggregates query (``ConversationAggregateQueryResponse``).

Sources: the official Genesys SDK models (platform-client-sdk-python ``build/docs``):
``ConversationAggregateQueryResponse``: ``results[].group`` and ``results[].data[]`` of ``interval`` and
``metrics[].stats`` (``max``, ``min``, ``count``, ``sum``); ISO-8601 ``granularity`` durations as the query takes
them. Values follow from the sandbox's conversation facts.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from typing import Any, Protocol

from airflow_provider_ccanalytics.testing.common import iso

_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def parse_duration(value: str) -> float:
    """ISO-8601 duration (``PT30M``, ``P1D``, ``PT1H``) in seconds; ValueError when unreadable."""
    match = _DURATION.match(value or "")
    if not match or not any(match.groups()):
        raise ValueError(f"not an ISO-8601 duration: {value!r}")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return float(((days * 24 + hours) * 60 + minutes) * 60 + seconds)


class _FactSource(Protocol):
    conv_starts: list[float]

    def _facts(self, index: int) -> dict[str, Any]: ...


def conversation_aggregates(
    source: _FactSource, start: float, end: float, granularity: str | None, group_by: list[str], metrics: list[str]
) -> list[dict[str, Any]]:
    """Ground truth of the aggregates query: stats per group and granularity bucket.

    Conversations count in the bucket holding their start (their metrics' emitDate).
    """
    step = parse_duration(granularity) if granularity else end - start
    buckets: dict[tuple[Any, ...], dict[int, dict[str, list[int]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    low, high = bisect.bisect_left(source.conv_starts, start), bisect.bisect_left(source.conv_starts, end)
    for index in range(low, high):
        facts = source._facts(index)
        group = tuple(facts[key] for key in group_by)
        bucket = int((source.conv_starts[index] - start) // step)
        for name in metrics:
            value = facts["metrics"].get(name)
            if value is not None:
                buckets[group][bucket][name].append(value)
    results = []
    for group in sorted(buckets):
        data = []
        for bucket in sorted(buckets[group]):
            b_start = start + bucket * step
            stats = []
            for name in metrics:
                values = buckets[group][bucket].get(name)
                if not values:
                    continue
                if name.startswith("n"):
                    stats.append({"metric": name, "stats": {"count": sum(values)}})
                else:
                    stats.append(
                        {
                            "metric": name,
                            "stats": {
                                "max": max(values),
                                "min": min(values),
                                "count": len(values),
                                "sum": sum(values),
                            },
                        }
                    )
            if stats:
                data.append({"interval": f"{iso(b_start)}/{iso(min(b_start + step, end))}", "metrics": stats})
        results.append({"group": dict(zip(group_by, group, strict=True)), "data": data})
    return results
