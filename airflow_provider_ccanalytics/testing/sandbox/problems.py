"""Vendor-shaped error answers and the request-body helpers every route uses.

Sources: Genesys' API error body (``message``, ``code``, ``status``, ``contextId``, ``details``, ``errors``) and
OAuth errors (``error`` with ``error_description``/``description``) from its developer docs; CXone bodies
(``error``, ``message``) are a GUESS (no public sample).
"""

from __future__ import annotations

import json
import uuid
from typing import Any


class RawJson(bytes):
    """A body already serialized as JSON."""


class ApiProblem(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or {}


def genesys_problem(status: int, message: str, code: str = "bad.request", **headers: str) -> ApiProblem:
    body = {
        "message": message,
        "code": code,
        "status": status,
        "contextId": str(uuid.uuid4()),
        "details": [],
        "errors": [],
    }
    return ApiProblem(status, body, dict(headers))


def oauth_problem(status: int, error: str, description: str) -> ApiProblem:
    return ApiProblem(status, {"error": error, "error_description": description, "description": description})


def json_body(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        value = json.loads(body)
    except ValueError:
        raise genesys_problem(400, "The request body is not valid JSON", "bad.request") from None
    if not isinstance(value, dict):
        raise genesys_problem(400, "The request body must be a JSON object", "bad.request")
    return value
