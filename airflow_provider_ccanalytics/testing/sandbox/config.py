"""What a test may change in the sandbox: behaviour (:class:`SandboxConfig`) and scripted failures (:class:`Fault`).

Sources: the defaults are the vendors' documented values where known (Genesys: tokens for 24 h, 300 requests a
minute, pageSize up to 100, "Pagination may not exceed 100000 results"; CXone: tokens for 3600 s, one
extraction create per 30 s, result URLs valid about 30 s, contacts settle about 30 minutes after they end).
What public sources leave open (the 7-day query interval, the 400,000 job-results cap, CXone's shapes) is a
setting with the variant each source shows, so tests can serve every one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from airflow_provider_ccanalytics.testing.contacts import DEFAULT_SETTLE_SECONDS
from airflow_provider_ccanalytics.testing.data import DataSpec


@dataclass
class SandboxConfig:
    """Every behaviour of the sandbox that a test may want to change.

    Durations are real seconds; shrink them (rate_window, job durations, settle) to run fast.
    """

    data: DataSpec = field(default_factory=DataSpec)
    # credentials
    genesys_client_id: str = "sandbox-genesys-client"
    genesys_client_secret: str = "sandbox-genesys-secret"
    genesys_public_client_id: str = "sandbox-genesys-public"
    cxone_client_id: str = "sandbox-cxone-client"
    cxone_client_secret: str = "sandbox-cxone-secret"
    cxone_public_client_id: str = "sandbox-cxone-public"
    cxone_access_key_id: str = "SANDBOXKEYID"
    cxone_access_key_secret: str = "c2FuZGJveC1hY2Nlc3Mta2V5LXNlY3JldA+/===="
    cxone_tenant_id: str = "11eb0000-0000-4000-8000-00000000cafe"
    test_user: str = "sandbox.user@example.com"
    # the Genesys org of GET /api/v2/organizations/me (partitions are keyed by it: org=<id>)
    genesys_org_id: str = "5f0e0000-0000-4000-8000-0000000000a1"
    genesys_org_name: str = "sandbox-org"
    # tokens
    token_ttl: float = 86400.0
    cxone_token_ttl: float = 3600.0
    genesys_rotate_refresh_tokens: bool = False
    token_requests_per_window: int | None = None
    # limits
    rate_limit: int | None = 300
    rate_window: float = 60.0
    max_page_size: int = 100
    result_cap: int = 100_000
    max_interval_days: float = 7.0
    # jobs
    job_seconds: float = 1.0
    job_expire_seconds: float = 3600.0
    availability_lag: float = 3 * 3600.0
    users_availability_lag: float | None = None  # the users details jobs' watermark lag (None: availability_lag)
    extraction_seconds: float = 1.0
    extraction_create_interval: float = 30.0
    result_url_ttl: float = 30.0
    settle_seconds: float = DEFAULT_SETTLE_SECONDS  # CXone: a contact is visible this long after it ends
    cxone_max_top: int = 10_000
    # CXone shapes that public sources leave open: each variant the client must read (see README, "Vendor
    # shapes we are unsure of"); the defaults follow the client generated from NICE's spec.
    cxone_contact_fields: str = "current"  # completed contacts: "current" (contactStartDate...) or "legacy"
    cxone_status_case: str | None = None  # None: extraction UPPER, report Title; or "upper"/"title"/"lower"
    cxone_job_id_field: str = "id"  # jobStatus.id (generated client) or "jobId"
    cxone_create_answer: str = "string"  # create answer: a JSON string (docs), or "jobId" / "id" objects
    cxone_error_message_in: str = "result"  # a failed job's errorMessage: under "result" or at the "top"
    cxone_busy_status: int = 403  # "already running" and create throttling: 403 (seen) or 409 / 429
    cxone_shape: str = "spec"  # summaries: "spec" (numbers, ISO-8601 durations) or "legacy" (strings, the tap's)
    cxone_casing: str | None = None  # sla-summary fields: "pascal" (spec), "camel" (tap); None: the shape's
    cxone_report_status: str = "flat"  # report job status: "flat" (spec) or "jobResult" (the earlier GUESS)
    cxone_ignore_skip: bool = False  # paged CXone lists answer page one whatever `skip` says (a faulty server)
    cxone_validate_order_by: bool = True  # completed contacts: 400 for an orderBy naming no field of the record
    cxone_strict_entities: bool = False  # refuse entities not in cxone_jobs.EXTRACTION_ENTITIES
    genesys_job_result_cap: int = 400_000  # details job results past this answer 400 "Pagination may not..."
    # everything
    latency: float = 0.0


@dataclass
class Fault:
    """A scripted failure: the next ``times`` requests whose path matches ``pattern`` get it.

    :param pattern: regular expression searched in the request path (prefix included).
    :param status: the status to answer (ignored when ``drop``).
    :param drop: close the connection without answering.
    :param delay: seconds to wait before answering normally (with status None).
    :param body: the JSON body to send, or a string sent as HTML.
    :param after: matching requests to let through before the fault starts (a failure mid-stream).
    :param truncate: serve the real answer (the request takes effect) but only this fraction of its body,
        then close the connection (a proxy cutting a response short; the client sees an incomplete body).
    :param reset: with ``truncate``, reset the connection (TCP RST) instead of closing it.
    :param short_body: with ``truncate``, send a Content-Length that matches the cut body: a complete HTTP
        answer whose JSON is cut off (a 200 with truncated JSON).
    :param echo_request: answer ``status`` with a body that echoes the request's headers and body (as some
        token endpoints and gateways do), to prove secrets never reach logs.
    :param rate: the share of matching requests that get the fault (e.g. 0.03 with a large ``times``: a
        proxy that cuts 3 % of responses), drawn from a generator seeded with the data seed.
    :param foreign_links: serve the real answer (it takes effect) with its links (``nextUri``, ``resultFileURL``,
        ``url``) moved to this base URL, another host (see :mod:`.foreign`).
    :param redirect_to: answer ``status`` (a 3xx, e.g. 307) with ``Location`` = this base URL + the request's path.
    :param retry_after_text: the ``Retry-After`` header verbatim (``inf``, ``nan``, ``-5``, ``soon``...).
    :param hostile: answer ``status`` (default 200) with a hostile body (see :mod:`.hostile`): ``deep_json``,
        ``huge_page`` (``hostile_size`` bytes; with ``short_body``, no Content-Length: it ends when the connection
        closes), ``control_chars``.
    """

    pattern: str
    status: int | None = 503
    times: int = 1
    retry_after: float | None = None
    drop: bool = False
    delay: float = 0.0
    body: dict[str, Any] | str | None = None
    method: str | None = None
    after: int = 0
    truncate: float | None = None
    reset: bool = False
    short_body: bool = False
    echo_request: bool = False
    rate: float = 1.0
    foreign_links: str | None = None
    redirect_to: str | None = None
    retry_after_text: str | None = None
    hostile: str | None = None
    hostile_size: int = 100 * 2**20


def mixed_faults(rate: float, pattern: str = r"^/genesys/api/") -> list[Fault]:
    """Faults that hit ``rate`` of the matching requests, in equal thirds: HTTP 429 (``Retry-After: 1``), HTTP 503,
    and a connection reset after half the real answer was sent (benchmarks: ``ccanalytics-sandbox --fault-rate``).

    :param rate: the share of matching requests that get a fault (e.g. 0.1).
    :param pattern: the request paths they hit (default: every Genesys API request, not the token endpoint).
    """
    if not 0.0 <= rate < 1.0:
        raise ValueError("the fault rate must be in [0, 1)")
    third, faults, left = rate / 3, [], 1.0
    kinds: list[dict[str, Any]] = [
        {"status": 429, "retry_after": 1.0},
        {"status": 503},
        {"truncate": 0.5, "reset": True},
    ]
    for kind in kinds:  # the sandbox tries faults in order: each share is of the requests the earlier ones left
        faults.append(Fault(pattern, times=10**12, rate=third / left, **kind))
        left -= third
    return faults
