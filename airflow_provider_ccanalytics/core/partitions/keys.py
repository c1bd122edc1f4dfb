"""The partition key of an asset event: the interval alone, or the org and the interval (``org|interval``).

``interval`` (default): ``2026-01-01T05:00:00Z``, the partition's window start (:data:`PARTITION_KEY_FORMAT`);
Airflow's temporal mappers read it with ``input_format=PARTITION_KEY_FORMAT``.

``org|interval``: ``<org id>|2026-01-01T05:00:00Z``, the org (Genesys organization id) or tenant (CXone tenant
id) of the connection, then the interval, joined by ``|``: the composite key Airflow's ``ProductMapper`` splits
on its default delimiter and maps segment by segment (e.g. an identity mapper for the org and
``StartOfDayMapper(input_format=PARTITION_KEY_FORMAT)`` for the interval), so a downstream DAG keeps the orgs
of several connections writing one asset apart.
"""

from __future__ import annotations

from airflow_provider_ccanalytics.core.errors import ConfigurationError

#: the key forms an operator's ``partition_key`` (or ``[ccanalytics] partition_key``) takes
KEY_FORMS = ("interval", "org|interval")
#: the separator of a composite key (Airflow's ``ProductMapper`` default delimiter)
KEY_DELIMITER = "|"


def check_key_form(form: str | None) -> str:
    """The key form, checked (None or empty: ``interval``).

    :param form: ``interval`` or ``org|interval``.
    :raises ConfigurationError: another value.
    """
    form = str(form or KEY_FORMS[0]).strip().replace(" ", "")
    if form not in KEY_FORMS:
        raise ConfigurationError("partition_key", f"{form!r} is not one of {list(KEY_FORMS)}")
    return form


def partition_key(interval: str, scope: str | None, form: str) -> str:
    """The asset event key of one partition.

    :param interval: the partition's label (``2026-01-01T05:00:00Z``, or ``2026-01-01`` for a snapshot date).
    :param scope: the connection's partition folder, ``org=<id>`` or ``tenant=<id>`` (a hook's
        ``partition_scope()``); needed for ``org|interval``.
    :param form: ``interval`` or ``org|interval``.
    :raises ConfigurationError: an unknown form, or ``org|interval`` without an org.
    """
    if check_key_form(form) == "interval":
        return interval
    org = (scope or "").partition("=")[2]
    if not org or KEY_DELIMITER in org:
        raise ConfigurationError("partition_key", f"'org|interval' keys need the connection's org id, got {scope!r}")
    return f"{org}{KEY_DELIMITER}{interval}"


def split_partition_key(key: str) -> tuple[str | None, str]:
    """``(org, interval)`` of a key of either form (org None for an ``interval`` key).

    :param key: an asset event's partition key.
    """
    org, delimiter, interval = key.rpartition(KEY_DELIMITER)
    return (org if delimiter else None), interval
