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
class SkipTopPaginator:
    """Offset paging with ``skip``/``top``, following ``_links.next`` when the server gives it (CXone).

    A body with ``_links`` but no ``next`` is the last page; without ``_links``, paging goes
    on by ``skip`` until a short page.
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
        if len(records) < self.top:
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
#: (Genesys analytics queries: ``paging`` in the JSON body, ``totalHits``), ``cursor`` (Genesys job results),
#: ``skip_top`` (CXone: skip/top params, ``_links.next``), ``none`` (one answer)
PAGINATORS: dict[str, Callable[[int], Paginator]] = {
    "platform": PlatformPaginator,
    "page_body": PageNumberPaginator,
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
