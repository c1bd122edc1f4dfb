"""The provider's Airflow configuration options (section ``[ccanalytics]``), declared once.

:data:`OPTIONS` is published as the ``config`` block of :func:`airflow_provider_ccanalytics.get_provider_info`,
so ``airflow config list`` and the docs show each option with its description and default; the code reads an
option through :func:`option_float` (or Airflow's ``conf`` with :func:`default_of` as the fallback), so the
default lives here only. Set one as ``AIRFLOW__CCANALYTICS__<NAME>`` or in ``airflow.cfg``.
"""

from __future__ import annotations

from typing import Any

SECTION = "ccanalytics"
SECTION_DESCRIPTION = "Settings of airflow-provider-ccanalytics (Genesys Cloud and NICE CXone analytics)."

#: every ``[ccanalytics]`` option, in the form Airflow's provider schema asks for
OPTIONS: dict[str, dict[str, Any]] = {
    "min_deferral_seconds": {
        "description": (
            "Seconds a deferred remote-job task (Genesys details jobs, CXone extraction and report jobs) stays "
            "deferred at least, even when its job ends sooner. Airflow 3.3's scheduler fails a resumed task "
            "whose deferring try is not yet recorded as deferred, so a job that ends within seconds is reported "
            "no sooner than this after the deferral."
        ),
        "version_added": "0.2.0",
        "type": "float",
        "example": "30",
        "default": "30",
    },
    "partition_key": {
        "description": (
            "The partition key of the asset events of operators that do not set partition_key: 'interval' "
            "(the partition's window start, 2026-01-01T00:00:00Z) or 'org|interval' (the org or tenant id, '|', "
            "then the window start: a composite key for Airflow's ProductMapper)."
        ),
        "version_added": "0.3.0",
        "type": "string",
        "example": "org|interval",
        "default": "interval",
    },
}


def config_block() -> dict[str, Any]:
    """The ``config`` entry of the provider info: the section with its options."""
    return {SECTION: {"description": SECTION_DESCRIPTION, "options": OPTIONS}}


def default_of(name: str) -> str:
    """The declared default of an option (a KeyError for an undeclared one: declare it in :data:`OPTIONS`).

    :param name: the option name (``min_deferral_seconds``).
    """
    return str(OPTIONS[name]["default"])


def option_str(name: str) -> str:
    """A text option as Airflow's configuration has it, else its declared default.

    :param name: the option name.
    """
    from airflow.configuration import conf

    return str(conf.get(SECTION, name, fallback=default_of(name)))


def option_float(name: str) -> float:
    """A float option as Airflow's configuration has it, else its declared default.

    :param name: the option name.
    """
    from airflow.configuration import conf

    return conf.getfloat(SECTION, name, fallback=float(default_of(name)))
