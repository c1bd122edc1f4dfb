"""The sandbox's own table of GET list routes: Genesys platform lists, CXone v34 admin lists and summaries.

Each :class:`ListRoute` says where a list lives, how it pages, under which key its records go and, for a
summary, which query parameters carry the window; :mod:`.listings` serves them. The table is written from
the vendors' sources, named beside each row, not from the client's declarations: a wrong declaration in the
client then meets a sandbox that disagrees. A test adds its own list with :func:`register_sandbox_route`.

Sources: Genesys: the platform API's entity listings as the official Genesys SDK models them
(platform-client-sdk-python ``build/docs``: ``UsersApi.get_users`` answers a ``UserEntityListing`` and so on:
``entities``, ``pageSize``, ``pageNumber``, ``total``, ``pageCount``, ``nextUri``...). CXone: the paths of
NICE's v34 reporting/admin API (``/inContactAPI/services/v34.0/...``) as the client generated from NICE's
published spec has it (calljacob/nice-cxone-api ``src/services/``; singer-io/tap-nice-incontact ``streams.py``
for how real tenants are read); a GUESS where marked. How each record is spelt: :mod:`.cxone_shapes`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_ccanalytics.testing import dimensions

if TYPE_CHECKING:
    from airflow_provider_ccanalytics.testing.data import Dataset

#: paging styles the sandbox serves: ``platform`` (Genesys lists: pageSize/pageNumber, pageCount, nextUri),
#: ``skip_top`` (CXone: skip/top, ``_links.next``, 204 past the end), ``none`` (one answer)
LIST_PAGING_STYLES = ("platform", "skip_top", "none")
#: (dataset, query params) -> every record of the list's answer (all pages)
SandboxRecords = Callable[["Dataset", dict[str, str]], list[dict[str, Any]]]

CXONE_V34 = "/inContactAPI/services/v34.0"


@dataclass(frozen=True)
class ListRoute:
    """One GET list the sandbox serves.

    :param vendor: ``genesys`` or ``cxone``.
    :param path: the path below the vendor's API base URL.
    :param dataset: the sandbox's name for the list: the data lookup (``Dataset.entities``,
        ``Dataset.cxone_summary``) and the route's counter label (``GET {vendor} {dataset}``).
    :param paging: one of :data:`LIST_PAGING_STYLES`.
    :param records_key: the key of the records list in each answer.
    :param window_params: the query parameters that carry a summary's window (start, end); None for a list.
    """

    vendor: str
    path: str
    dataset: str
    paging: str
    records_key: str
    window_params: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if self.paging not in LIST_PAGING_STYLES:
            raise ValueError(f"{self.vendor} {self.path}: paging {self.paging!r} is not one of {LIST_PAGING_STYLES}")


def _genesys(path: str, dataset: str) -> ListRoute:
    # every platform list below pages and answers alike: pageSize/pageNumber in, the entity listing out
    return ListRoute("genesys", path, dataset, paging="platform", records_key="entities")


def _cxone(path: str, dataset: str, records_key: str, paging: str, window: bool = False) -> ListRoute:
    return ListRoute(
        "cxone",
        f"{CXONE_V34}{path}",
        dataset,
        paging=paging,
        records_key=records_key,
        window_params=("startDate", "endDate") if window else None,
    )


#: every list the sandbox serves at start, in the order of the vendors' docs
LIST_ROUTES: tuple[ListRoute, ...] = (
    # Genesys `GET /api/v2/users` (UsersApi.get_users -> UserEntityListing; `state`, `expand` params)
    _genesys("/api/v2/users", "users"),
    # Genesys `GET /api/v2/routing/queues` (RoutingApi.get_routing_queues -> QueueEntityListing)
    _genesys("/api/v2/routing/queues", "queues"),
    # Genesys `GET /api/v2/routing/wrapupcodes` (RoutingApi.get_routing_wrapupcodes -> WrapupCodeEntityListing)
    _genesys("/api/v2/routing/wrapupcodes", "wrapupcodes"),
    # Genesys `GET /api/v2/authorization/divisions` (AuthorizationApi.get_authorization_divisions ->
    # AuthzDivisionEntityListing)
    _genesys("/api/v2/authorization/divisions", "divisions"),
    # Genesys `GET /api/v2/routing/skills` (RoutingApi.get_routing_skills -> SkillEntityListing)
    _genesys("/api/v2/routing/skills", "skills"),
    # Genesys `GET /api/v2/routing/languages` (RoutingApi.get_routing_languages -> LanguageEntityListing)
    _genesys("/api/v2/routing/languages", "languages"),
    # Genesys `GET /api/v2/flows` (ArchitectApi.get_flows -> FlowEntityListing)
    _genesys("/api/v2/flows", "flows"),
    # CXone v34 admin `GET /agents` (calljacob/nice-cxone-api src/services/admin/AdminAgentsService.ts
    # `getAgents`: `skip`, `top`, `orderBy`... in; `totalRecords`, `_links{self,next,previous}`, `agents[]` out)
    _cxone("/agents", "agents", "agents", "skip_top"),
    # CXone v34 admin `GET /skills` (AdminSkillsService.ts `getSkills`: only `mediaTypeId`, `outboundStrategy`
    # in, no skip/top: the whole list; its answer is untyped there: the key `skills` is a GUESS)
    _cxone("/skills", "skills", "skills", "none"),
    # CXone v34 admin `GET /teams`: not in the generated client; GUESS: pages like `GET /agents`, key `teams`
    _cxone("/teams", "teams", "teams", "skip_top"),
    # CXone v34 reporting `GET /skills/summary` (ReportingReportingService.ts `getFullSkillSummaries`:
    # `startDate`, `endDate`, `mediaTypeId`, `isOutbound`, `fields` in; `skillSummaries[]` out, no paging)
    _cxone("/skills/summary", "skills_summary", "skillSummaries", "none", window=True),
    # CXone v34 reporting `GET /skills/sla-summary` (`getFullSLASummaries`: `startDate`, `endDate`, `skip`,
    # `top` in; `totalRecords`, `_links`, `serviceLevelSummaries[]` out; the tap follows `_links.next`)
    _cxone("/skills/sla-summary", "skills_sla_summary", "serviceLevelSummaries", "skip_top", window=True),
    # CXone v34 reporting `GET /teams/performance-total` (`teamPerformanceSummaryTotalsAll`: `startDate`,
    # `endDate`, `fields` in; `teamPerformanceTotal[]` out, no paging)
    _cxone("/teams/performance-total", "teams_performance_total", "teamPerformanceTotal", "none", window=True),
    # CXone v34 reporting `GET /agents/state-history` (`getAgentsStateHistory`: `startDate`, `endDate`,
    # `updatedSince`, `skip`, `top`, `orderBy`, `fields` in; `totalRecords`, `_links`, `lastPollTime`,
    # `agentStateHistory[]` out, `duration` an ISO-8601 string)
    _cxone("/agents/state-history", "agent_state_history", "agentStateHistory", "skip_top", window=True),
)

_ROUTES: dict[tuple[str, str], tuple[ListRoute, SandboxRecords | None]] = {}


def register_sandbox_route(route: ListRoute, records: SandboxRecords | None = None) -> ListRoute:
    """Serve ``route`` (replacing a route of the same vendor and path), e.g. a test's toy list.

    :param route: where the list lives and how it pages.
    :param records: every record of the answer, from the dataset and the query parameters; None: the ground
        truth of ``route.dataset`` (``Dataset.cxone_summary`` for a windowed route, else ``Dataset.entities``).
    :returns: ``route``.
    """
    _ROUTES[(route.vendor, route.path)] = (route, records)
    return route


def unregister_sandbox_route(route: ListRoute) -> None:
    """Stop serving the route at ``route``'s vendor and path (nothing happens when there is none).

    :param route: the route given to :func:`register_sandbox_route`.
    """
    _ROUTES.pop((route.vendor, route.path), None)


def sandbox_route(vendor: str, path: str) -> tuple[ListRoute, SandboxRecords | None] | None:
    """The route served at ``path`` and its records function, or None.

    :param vendor: ``genesys`` or ``cxone``.
    :param path: the path below the vendor's API base URL.
    """
    return _ROUTES.get((vendor, path))


def expand_param(query: dict[str, str]) -> frozenset[str]:
    """The values of a Genesys ``expand`` parameter (``expand=skills,groups``).

    :param query: the request's query parameters.
    """
    # the sandbox expands users' skills and groups; other documented values are accepted and add nothing
    return frozenset(item.strip() for item in query.get("expand", "").split(",") if item.strip())


def _genesys_users(data: Dataset, query: dict[str, str]) -> list[dict[str, Any]]:
    # the API lists active users unless told state=any/inactive/deleted (UsersApi.get_users `state`)
    return dimensions.genesys_entities("users", expand_param(query), state=query.get("state", "active"))


for _route in LIST_ROUTES:
    register_sandbox_route(_route, _genesys_users if _route.path == "/api/v2/users" else None)
