"""Paginators: small state machines over plain data, one class per paging style.

Each has ``start(request)`` to set the first page and ``advance(request, body, records)``
that updates the request for the next page and says whether there is one. The client loops.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit

from airflow_provider_ccanalytics.core import jsoncodec
from airflow_provider_ccanalytics.core.errors import RepeatedPageError

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(fetch: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``fetch(item)`` for each item, ``workers`` at a time, yielded in order; at most ``2 * workers`` results are
    held at once (constant memory). Items not yet started when the consumer stops are cancelled.

    :param fetch: fetches one item (e.g. one page by number).
    :param workers: concurrent fetches (1: one after the other, in this thread).
    """
    if workers <= 1:
        yield from map(fetch, items)
        return
    ahead = iter(items)
    pending: deque[Future[R]] = deque()
    with ThreadPoolExecutor(workers, thread_name_prefix="ccanalytics-pages") as pool:
        try:
            for item in ahead:
                pending.append(pool.submit(fetch, item))
                if len(pending) >= 2 * workers:
                    break
            while pending:
                result = pending.popleft().result()
                for item in ahead:
                    pending.append(pool.submit(fetch, item))
                    break
                yield result
        finally:
            for future in pending:
                future.cancel()


@dataclass
class PageRequest:
    """A request being paged: method, URL, query params and JSON body."""

    method: str
    url: str
    params: dict[str, Any] = field(default_factory=dict)
    json: dict[str, Any] | None = None


class Paginator(Protocol):
    def start(self, request: PageRequest) -> None: ...

    def advance(self, request: PageRequest, body: dict[str, Any], records: list[Any]) -> bool: ...


@dataclass
class PageNumberPaginator:
    """``paging: {pageSize, pageNumber}`` in the JSON body (body-paged declared endpoints; the details query
    fetches its pages concurrently through :func:`ordered_map` instead).

    Stops on a short page or once ``totalHits`` records were seen.
    """

    page_size: int
    total_key: str = "totalHits"
    seen: int = 0
    total: int | None = None

    def start(self, request: PageRequest) -> None:
        request.json = {**(request.json or {}), "paging": {"pageSize": self.page_size, "pageNumber": 1}}

    def advance(self, request: PageRequest, body: dict[str, Any], records: list[Any]) -> bool:
        self.seen += len(records)
        if self.total is None and isinstance(body.get(self.total_key), int):
            self.total = body[self.total_key]
        if len(records) < self.page_size or (self.total is not None and self.seen >= self.total):
            return False
        assert request.json is not None
        paging = request.json["paging"]
        request.json = {**request.json, "paging": {**paging, "pageNumber": paging["pageNumber"] + 1}}
        return True


@dataclass
class BodyFieldsPaginator:
    """``pageSize`` and ``pageNumber`` as top-level JSON body fields, and no total in the answer (Genesys'
    quality evaluations search): stops on a short page (a full last page costs one empty request)."""

    page_size: int
    page_number: int = 1

    def start(self, request: PageRequest) -> None:
        request.json = {**(request.json or {}), "pageSize": self.page_size, "pageNumber": self.page_number}

    def advance(self, request: PageRequest, body: dict[str, Any], records: list[Any]) -> bool:
        if len(records) < self.page_size:
            return False
        self.page_number += 1
        request.json = {**(request.json or {}), "pageNumber": self.page_number}
        return True


@dataclass
class CursorPaginator:
    """An opaque cursor in the body, sent back as a query parameter (Genesys job results)."""

    page_size: int
    cursor_key: str = "cursor"

    def start(self, request: PageRequest) -> None:
        request.params = {**request.params, "pageSize": self.page_size}

    def advance(self, request: PageRequest, body: dict[str, Any], records: list[Any]) -> bool:
        cursor = body.get(self.cursor_key)
        if not cursor:
            return False
        request.params = {**request.params, self.cursor_key: cursor}
        return True


@dataclass
class RepeatedPageGuard:
    """Stops a paginator that would loop: a non-empty page whose records equal an earlier page's, or a next
    request equal to one already sent, raises :class:`RepeatedPageError` naming the endpoint.

    A server that ignores ``skip`` (CXone's summaries, which take none) answers the same full page forever; with
    this guard every paginator fails on the second copy instead. A page is known by its record count and its
    first and last records (cheap, and two pages of distinct records never share all three).

    :param what: the endpoint, named in the error.
    """

    what: str
    _pages: set[bytes] = field(default_factory=set)
    _requests: set[bytes] = field(default_factory=set)

    def check_page(self, request: PageRequest, records: list[Any]) -> None:
        """Raise when ``records`` (the answer to ``request``) repeat an earlier page."""
        if not records:
            return
        key = jsoncodec.dumps([len(records), records[0], records[-1]])
        if key in self._pages:
            raise RepeatedPageError(
                200,
                f"{self.what}: the page asked for with {_shown(request)} repeats an earlier page "
                f"({len(records)} records): the server ignores the paging parameters",
                method=request.method,
                path=urlsplit(request.url).path,
            )
        self._pages.add(key)

    def check_next(self, request: PageRequest) -> None:
        """Raise when the next page's request was already sent (a next link pointing back)."""
        key = jsoncodec.dumps([request.url, sorted(request.params.items()), request.json])
        if key in self._requests:
            raise RepeatedPageError(
                200,
                f"{self.what}: the next page ({_shown(request)}) was already fetched: the paging loops",
                method=request.method,
                path=urlsplit(request.url).path,
            )
        self._requests.add(key)


def _shown(request: PageRequest) -> str:
    # the paging parameters only (never the whole query, which names the window and filters)
    names = ("skip", "top", "pageNumber", "pageSize", "cursor", "after")
    shown = {name: request.params[name] for name in names if name in request.params}
    paging = (request.json or {}).get("paging")
    return str(shown or paging or "the same parameters")


@dataclass
class SkipTopPaginator:
    """Offset paging with ``skip``/``top``, following ``_links.next`` when the server gives it (CXone).

    A body with ``_links`` but no ``next`` is the last page. Without ``_links``, paging goes on by ``skip`` only
    while ``totalRecords`` says more records exist: every paged CXone answer in NICE's spec carries ``_links`` and
    ``totalRecords`` (calljacob/nice-cxone-api ``src/services/reporting/ReportingReportingService.ts``), so an
    answer with neither is the whole list (a summary that ignores ``skip``/``top``).
    """

    top: int
    skip: int = 0

    def start(self, request: PageRequest) -> None:
        request.params = {**request.params, "skip": self.skip, "top": self.top}

    def advance(self, request: PageRequest, body: dict[str, Any], records: list[Any]) -> bool:
        links = body.get("_links")
        if isinstance(links, dict):
            next_link = links.get("next")
            if not next_link:
                return False
            parts = urlsplit(next_link)
            if parts.netloc:
                request.url = f"{parts.scheme}://{parts.netloc}{parts.path}"
            request.params = {key: values[-1] for key, values in parse_qs(parts.query).items()}
            self.skip = int(request.params.get("skip", self.skip + len(records)))
            return True
        total = body.get("totalRecords")
        if len(records) < self.top or not isinstance(total, int) or self.skip + len(records) >= total:
            return False
        self.skip += len(records)
        request.params = {**request.params, "skip": self.skip, "top": self.top}
        return True


@dataclass
class PlatformPaginator:
    """Genesys platform lists: ``pageSize``/``pageNumber`` query parameters; the body's ``nextUri`` (followed as
    given, so cursor lists with ``after`` work too) or, without one, ``pageNumber < pageCount`` means more."""

    page_size: int
    page_number: int = 1

    def start(self, request: PageRequest) -> None:
        request.params = {**request.params, "pageSize": self.page_size, "pageNumber": self.page_number}

    def advance(self, request: PageRequest, body: dict[str, Any], records: list[Any]) -> bool:
        if not records:
            return False
        next_uri = body.get("nextUri")
        if isinstance(next_uri, str) and next_uri:
            parts = urlsplit(next_uri)
            request.url = f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else parts.path
            request.params = {key: values[-1] for key, values in parse_qs(parts.query).items()}
            return True
        # no nextUri: more only while the answer's own pageNumber (as sent, when it echoes none) is below pageCount
        page_count, number = body.get("pageCount"), body.get("pageNumber")
        current = number if isinstance(number, int) else int(request.params.get("pageNumber", self.page_number))
        if isinstance(page_count, int) and current < page_count:
            self.page_number = current + 1
            request.params = {**request.params, "pageNumber": self.page_number}
            return True
        return False


@dataclass
class SinglePage:
    """An endpoint that answers everything at once."""

    def start(self, request: PageRequest) -> None:
        return None

    def advance(self, request: PageRequest, body: dict[str, Any], records: list[Any]) -> bool:
        return False


#: paging styles by name: ``platform`` (Genesys lists: pageSize/pageNumber params, pageCount, nextUri), ``page_body``
#: (Genesys analytics queries: ``paging`` in the JSON body, ``totalHits``), ``body_fields`` (``pageSize``/``pageNumber``
#: body fields, no total: Genesys quality search), ``cursor`` (Genesys job results),
#: ``skip_top`` (CXone: skip/top params, ``_links.next``), ``none`` (one answer)
PAGINATORS: dict[str, Callable[[int], Paginator]] = {
    "platform": PlatformPaginator,
    "page_body": PageNumberPaginator,
    "body_fields": BodyFieldsPaginator,
    "cursor": CursorPaginator,
    "skip_top": SkipTopPaginator,
    "none": lambda page_size: SinglePage(),
}
PAGING_STYLES = tuple(PAGINATORS)


def paginator_for(style: str, page_size: int) -> Paginator:
    """A fresh paginator of a paging style.

    :param style: one of :data:`PAGING_STYLES`.
    :param page_size: the page size asked for.
    """
    return PAGINATORS[style](page_size)
