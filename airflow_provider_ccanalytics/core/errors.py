"""Typed exceptions. Each names what went wrong and what to change; none carries a secret."""

from __future__ import annotations


class CcAnalyticsError(Exception):
    """Base class of every error this provider raises."""

    #: Whether the shared retry policy may try the same request again.
    retryable: bool = False


class ConfigurationError(CcAnalyticsError, ValueError):
    """A connection field or operator argument is missing or invalid.

    :param field: the name of the field or argument to change.
    :param message: what is wrong and how to fix it.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class ApiError(CcAnalyticsError):
    """The vendor API answered with an error.

    :param status: HTTP status code.
    :param message: the vendor's message, or a summary.
    :param code: the vendor's error code (e.g. ``too.many.requests.retry.after``).
    :param correlation_id: the vendor's request id (``ININ-Correlation-Id`` on Genesys).
    :param method: HTTP method of the failed request.
    :param path: URL path of the failed request (never the query string, which may hold secrets).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        correlation_id: str | None = None,
        method: str = "",
        path: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.code = code
        self.correlation_id = correlation_id
        self.method = method
        self.path = path
        self.retry_after = retry_after
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [f"HTTP {self.status}"]
        if self.method or self.path:
            parts.append(f"on {self.method} {self.path}".rstrip())
        text = " ".join(parts) + f": {self.message}"
        if self.code:
            text += f" (code {self.code})"
        if self.correlation_id:
            text += f" [correlation id {self.correlation_id}]"
        hint = self.hint()
        return f"{text}. {hint}" if hint else text

    def hint(self) -> str:
        """What the user should do about this error ('' when nothing specific applies)."""
        return ""


class RateLimitedError(ApiError):
    """429 (or a vendor's throttling 403): retried after ``Retry-After``."""

    retryable = True

    def hint(self) -> str:
        return "The request was throttled; it is retried after Retry-After. Lower the concurrency if it persists"


class ServerError(ApiError):
    """5xx from the vendor: retried with backoff."""

    retryable = True


class ConnectionFailedError(CcAnalyticsError):
    """The TCP connection failed, was dropped or reset, timed out, or the body was cut off: retried with backoff."""

    retryable = True
    #: whether the request may have reached the server (False: refused before sending, e.g. DNS or connect)
    sent = True


class BadRequestError(ApiError):
    """400 for a malformed request: the query body or window needs changing."""


class NotAuthorizedError(ApiError):
    """401 that persisted after one re-authentication."""

    def hint(self) -> str:
        return "The token was refused even after re-authenticating: check the client id, secret and grant"


class PermissionDeniedError(ApiError):
    """403 that is not throttling: the OAuth client or user lacks a permission or scope."""

    def __init__(self, *args: object, required: str | None = None, **kwargs: object) -> None:
        self.required = required
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def hint(self) -> str:
        need = f" '{self.required}'" if self.required else ""
        return f"Grant the OAuth client (or the user behind it) the permission{need}, then rerun"


class NotFoundError(ApiError):
    """404: the resource (job id, endpoint) does not exist."""


class UnexpectedResponseError(ApiError):
    """A success status with a body that is not what the API documents: never read as 'no records'."""


class RepeatedPageError(UnexpectedResponseError):
    """A paged list answered a page it had already answered: the server ignores the paging parameters (or its
    next link points back), so asking again would loop forever. Nothing of the run is written."""

    def hint(self) -> str:
        return (
            "The endpoint does not page the way it is declared: declare it with paging='none' (it answers the "
            "whole list at once) or report the answer's paging fields"
        )


class TruncatedResponseError(UnexpectedResponseError):
    """A success whose JSON body was cut off on the way (a proxy, a reset): retried like a dropped connection."""

    retryable = True

    def hint(self) -> str:
        return "Retried; if it persists, a proxy between here and the API is cutting responses short"


class ResultUrlExpiredError(CcAnalyticsError):
    """A job's pre-signed result URL kept expiring before its download started.

    :param job_id: the job.
    :param attempts: fresh URLs tried.
    """

    def __init__(self, job_id: str, attempts: int, detail: str = "") -> None:
        self.job_id = job_id
        self.attempts = attempts
        why = f" ({detail})" if detail else ""
        super().__init__(
            f"The result URL of job {job_id} was refused as expired {attempts} time(s), each time a fresh one was "
            f"asked for{why}. Pre-signed URLs live about 30 s: check this worker's clock (NTP) and its latency to the "
            "file host, then rerun the task. This is not a permission problem"
        )


class ResultCapExceededError(BadRequestError):
    """Genesys refuses to page past 100000 results for one query: split the interval."""


class IntervalTooLongError(BadRequestError):
    """The vendor refuses an interval this long: split it."""


class TokenError(CcAnalyticsError):
    """The OAuth token endpoint refused a grant.

    :param error: the OAuth ``error`` code.
    :param description: the server's ``error_description``.
    :param status: HTTP status.
    """

    def __init__(self, error: str, description: str = "", status: int = 400, *, hint: str = "") -> None:
        self.error = error
        self.description = description
        self.status = status
        text = f"OAuth token request failed: {error} (HTTP {status})"
        if description:
            text += f": {description}"
        if hint:
            text += f". {hint}"
        super().__init__(text)


class InvalidClientError(TokenError):
    """The client id or secret (or the access key) is wrong."""


class InvalidGrantError(TokenError):
    """The code, refresh token or access key is expired, revoked or already used."""


class TokenEndpointThrottledError(TokenError):
    """The token endpoint throttled us (Genesys answers 400 invalid_request, others 429): retried."""

    retryable = True

    def __init__(self, *args: object, retry_after: float | None = None, **kwargs: object) -> None:
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class ReauthorizationRequired(CcAnalyticsError):
    """Delegated access was lost (refresh token revoked or expired): a person must log in again.

    :param conn_id: the Airflow connection id.
    :param command: the exact command that restores access.
    """

    def __init__(self, conn_id: str, command: str, reason: str = "") -> None:
        self.conn_id = conn_id
        self.command = command
        why = f" ({reason})" if reason else ""
        super().__init__(
            f"Connection '{conn_id}' needs a new interactive login: its refresh token no longer works{why}. "
            f"Run: {command}"
        )


class JobFailedError(CcAnalyticsError):
    """A remote analytics job ended in a state other than success.

    :param job_id: the vendor's job id.
    :param state: the final state (FAILED, EXPIRED, CANCELLED...).
    """

    def __init__(self, job_id: str, state: str, message: str = "") -> None:
        self.job_id = job_id
        self.state = state
        text = f"Job {job_id} ended in state {state}"
        if message:
            text += f": {message}"
        if state.upper() == "EXPIRED":
            text += ". Its results expired before they were read: rerun the task to submit a new job"
        super().__init__(text)


class OutputTooLargeError(CcAnalyticsError):
    """More records than the XCom cap allows."""


class ForeignHostError(ConfigurationError):
    """A request (a ``nextUri``, a result file URL, a redirect) named a host this connection does not trust.

    Nothing is sent there with credentials, and its answer is never read as data.

    :param host: the refused host (``name[:port]``).
    :param what: what named it (``GET nextUri``, ``a 307 redirect from /api/v2/...``).
    :param setting: the connection extra that extends the list of trusted hosts.
    """

    def __init__(self, host: str, what: str, setting: str) -> None:
        self.host = host
        super().__init__(
            setting,
            f"refused to follow {what} to {host}: not a host of this connection. If {host} really belongs to your "
            f"vendor, add it to the connection's '{setting}' extra (a comma-separated list of host names)",
        )


class HostileResponseError(UnexpectedResponseError):
    """An answer the client refuses to read: too large, nested too deep, or a field no vendor sends."""


class PartitionBusyError(CcAnalyticsError):
    """Another live writer held a partition's commit lock for longer than its lease allows: retry the task."""

    retryable = True


class RequestBudgetExhausted(CcAnalyticsError):
    """The task sent as many HTTP requests as its ``max_requests`` allows: the request was not sent.

    Never retried; the operators that take ``max_requests`` catch it, record where they stopped and end the task
    successfully (the next run goes on from there).

    :param limit: the task's ``max_requests``.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            f"the request budget of this task ({limit} requests, max_requests) is spent: this request was not sent. "
            "Raise max_requests to do more per run; the next run goes on where this one stopped"
        )
