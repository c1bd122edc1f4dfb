"""How the sandbox's CXone reporting answers spell their records: the variants public sources disagree on.

The ground truth (:func:`...testing.activity.cxone_summary`) is canonical: numbers, durations in seconds. Each
variant below renders it as one public source shows the vendor's answer (``SandboxConfig.cxone_shape`` and
``cxone_casing``):

- ``spec``: NICE's published spec as the client generated from it types it (calljacob/nice-cxone-api,
  ``src/services/reporting/ReportingReportingService.ts``): counts are numbers, durations ISO-8601 strings
  (``averageHandleTime: string``, ``totalAvgHandleTime: string``), ``skills/sla-summary`` records PascalCase
  (``SkillId``, ``ContactsWithinSLA``...).
- ``legacy``: what singer-io/tap-nice-incontact reads from real tenants (``tests/test_convert_data_types.py``,
  ``tests/test_transform_iso8601_durations.py``, ``schemas/skills_sla_summary.json``): every value a string;
  ``skills/summary`` durations as seconds (``"averageHandleTime": "101"``), ``teams/performance-total``
  durations as ISO-8601 (``"totalAvgHandleTime": "PT7M15.643S"``), ``skills/sla-summary`` camelCase.

``cxone_casing`` (``pascal``/``camel``; None: the shape's own) sets the sla-summary casing on its own.
"""

from __future__ import annotations

from typing import Any

#: the duration fields of each summary (typed ``string`` in the spec; ISO-8601 in the tap's samples)
DURATION_FIELDS: dict[str, frozenset[str]] = {
    "skills_summary": frozenset({"averageHandleTime", "totalContactTime"}),
    "skills_sla_summary": frozenset(),
    "teams_performance_total": frozenset({"totalTalkTime", "totalAvgHandleTime"}),
    "agent_state_history": frozenset({"duration"}),
}
#: the summaries whose legacy answers carry durations as seconds, not ISO-8601 (the tap's skills sample)
_SECONDS_IN_LEGACY = frozenset({"skills_summary"})
CXONE_SHAPES = ("spec", "legacy")
CXONE_CASINGS = ("pascal", "camel")


def iso_duration(seconds: float) -> str:
    """``seconds`` as an ISO-8601 duration the way CXone writes one (``PT7M15.643S``, ``PT0S``,
    ``P1DT19H18M29.651S``: the samples in tap-nice-incontact's tests).

    :param seconds: a non-negative duration.
    """
    millis = round(seconds * 1000)
    days, millis = divmod(millis, 86_400_000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    whole, fraction = divmod(millis, 1000)
    text = "P" + (f"{days}D" if days else "") + "T"
    text += (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if whole or fraction or text.endswith("T"):
        text += f"{whole}.{fraction:03d}".rstrip("0").rstrip(".") + "S"
    return text


def render_record(dataset: str, record: dict[str, Any], shape: str, casing: str | None = None) -> dict[str, Any]:
    """One canonical record as the variant ``shape`` answers it.

    :param dataset: the sandbox's name of the route (``skills_summary``...).
    :param shape: one of :data:`CXONE_SHAPES`.
    :param casing: sla-summary field casing, one of :data:`CXONE_CASINGS` (None: the shape's own).
    """
    if shape not in CXONE_SHAPES:
        raise ValueError(f"cxone_shape {shape!r} is not one of {CXONE_SHAPES}")
    durations = DURATION_FIELDS.get(dataset, frozenset())
    out: dict[str, Any] = {}
    for name, value in record.items():
        if name in durations and not (shape == "legacy" and dataset in _SECONDS_IN_LEGACY):
            value = iso_duration(value)
        elif shape == "legacy" and isinstance(value, float) and name in durations:
            value = str(round(value))  # "averageHandleTime": "101"
        elif shape == "legacy" and value is not None and not isinstance(value, str):
            value = str(value)  # "contactsHandled": "2089", "isOutbound": "True"
        out[name] = value
    pascal = (casing or ("pascal" if shape == "spec" else "camel")) == "pascal"
    if dataset == "skills_sla_summary" and pascal:
        out = {name[:1].upper() + name[1:]: value for name, value in out.items()}
    return out
