"""Apache Airflow provider for contact-centre analytics: Genesys Cloud and NICE CXone."""

from __future__ import annotations

from typing import Any

from airflow_provider_ccanalytics.core.version import __version__

__all__ = ["__version__", "get_provider_info"]


def get_provider_info() -> dict[str, Any]:
    """Provider metadata read by Airflow through the ``apache_airflow_provider`` entry point."""
    from airflow_provider_ccanalytics.connections import SPECS
    from airflow_provider_ccanalytics.settings import config_block

    return {
        "package-name": "airflow-provider-ccanalytics",
        "name": "Contact-centre analytics (Genesys Cloud, NICE CXone)",
        "description": "Genesys Cloud and NICE CXone analytics into XCom or object storage, "
        "with both OAuth grant families and a local API sandbox.",
        "versions": [__version__],
        "connection-types": [spec.provider_entry() for spec in SPECS],
        "config": config_block(),
        "hooks": [
            {
                "integration-name": "Genesys Cloud",
                "python-modules": ["airflow_provider_ccanalytics.hooks.genesys"],
            },
            {
                "integration-name": "NICE CXone",
                "python-modules": ["airflow_provider_ccanalytics.hooks.cxone"],
            },
        ],
        "operators": [
            {
                "integration-name": "Genesys Cloud",
                "python-modules": [
                    "airflow_provider_ccanalytics.operators.genesys",
                    "airflow_provider_ccanalytics.operators.endpoints",
                    "airflow_provider_ccanalytics.operators.genesys_users",
                    "airflow_provider_ccanalytics.operators.genesys_speech",
                    "airflow_provider_ccanalytics.operators.genesys_aggregates",
                    "airflow_provider_ccanalytics.operators.genesys_workforce",
                ],
            },
            {
                "integration-name": "NICE CXone",
                "python-modules": [
                    "airflow_provider_ccanalytics.operators.cxone",
                    "airflow_provider_ccanalytics.operators.endpoints",
                    "airflow_provider_ccanalytics.operators.cxone_agent_states",
                ],
            },
        ],
        "sensors": [
            {
                "integration-name": "Genesys Cloud",
                "python-modules": ["airflow_provider_ccanalytics.sensors.genesys"],
            },
            {
                "integration-name": "NICE CXone",
                "python-modules": ["airflow_provider_ccanalytics.sensors.cxone"],
            },
        ],
        "triggers": [
            {
                "integration-name": "Genesys Cloud",
                "python-modules": ["airflow_provider_ccanalytics.triggers.jobs"],
            },
            {
                "integration-name": "NICE CXone",
                "python-modules": ["airflow_provider_ccanalytics.triggers.jobs"],
            },
        ],
        "integrations": [
            {
                "integration-name": "Genesys Cloud",
                "external-doc-url": "https://developer.genesys.cloud/",
                "tags": ["service"],
            },
            {
                "integration-name": "NICE CXone",
                "external-doc-url": "https://developer.niceincontact.com/",
                "tags": ["service"],
            },
        ],
    }
