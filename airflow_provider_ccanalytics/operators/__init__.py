"""The operators; each vendor's are in its modules (``genesys``, ``genesys_aggregates``, ``cxone``...)."""

from __future__ import annotations

from typing import Any

#: names importable from this package too (loaded on first use, so importing the package loads no operator)
_LAZY = {
    "GenesysAggregatesOperator": "genesys_aggregates",
    "GenesysConversationAggregatesOperator": "genesys_aggregates",
    "GenesysUserAggregatesOperator": "genesys_aggregates",
    "GenesysFlowAggregatesOperator": "genesys_aggregates",
    "GenesysEvaluationAggregatesOperator": "genesys_aggregates",
    "GenesysSurveyAggregatesOperator": "genesys_aggregates",
    "CxoneAgentStateHistoryOperator": "cxone_agent_states",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
