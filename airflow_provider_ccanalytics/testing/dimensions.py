"""The sandbox's dimension tables: every queue, user, wrap-up code, division, skill and language id that appears
in its conversations (and every CXone agent, skill and team id in its contacts) exists here with a readable name.

Shapes follow the Genesys platform API's entities (``User``, ``Queue``, ``WrapupCode``, ``AuthzDivision``,
``RoutingSkill``, ``Language``, ``Flow``: id, name, division reference, state, ``selfUri``). CXone records use
the field names of NICE's v34 admin API as far as public code shows them; the rest is a GUESS.
"""

from __future__ import annotations

import random
import uuid
from typing import Any


def _ids(kind: str, count: int) -> list[str]:
    return [str(uuid.UUID(int=random.Random(f"{kind}{i}").getrandbits(128), version=4)) for i in range(count)]


QUEUE_IDS = _ids("queue", 6)  # the same ids the conversations always used (data.QUEUES)
USER_IDS = _ids("user", 25)  # data.USERS
QUEUE_NAMES = ["Sales", "Support", "Billing", "Technical", "Retention", "Callbacks"]
HOME_DIVISION_ID = "00000000-0000-4000-8000-000000000001"
DIVISIONS = [(HOME_DIVISION_ID, "Home"), (_ids("division", 2)[0], "Sales"), (_ids("division", 2)[1], "Service")]
WRAPUP_CODES = list(
    zip(_ids("wrapup", 5), ["Resolved", "Follow-up needed", "Escalated", "Sale", "Wrong number"], strict=True)
)
SKILLS = list(
    zip(
        _ids("skill", 8),
        ["Billing", "Hardware", "Software", "Returns", "Premium", "Retention", "Outbound", "Chat"],
        strict=True,
    )
)
LANGUAGES = list(zip(_ids("language", 4), ["English", "Spanish", "French", "German"], strict=True))
FLOWS = list(zip(_ids("flow", 3), ["Main IVR", "After hours", "Callback offer"], strict=True))
#: users that Genesys lists only with ``state=any`` (they may still appear in older conversations)
DELETED_USERS = frozenset({USER_IDS[7], USER_IDS[19]})

CXONE_TEAMS = [(300 + i, name) for i, name in enumerate(["North", "South", "East", "West", "Night"])]
CXONE_SKILL_NAMES = ["Inbound Sales", "Inbound Support", "Billing", "Chat", "Email", "SMS"] * 2


def queue_division(queue_id: str) -> str:
    """The division a queue (and its conversations) belongs to."""
    return DIVISIONS[QUEUE_IDS.index(queue_id) % len(DIVISIONS)][0]


def _ref(entity_id: str, name: str, kind: str) -> dict[str, Any]:
    return {"id": entity_id, "name": name, "selfUri": f"/api/v2/{kind}/{entity_id}"}


def genesys_entities(dataset: str, expand: frozenset[str] = frozenset(), state: str = "active") -> list[dict[str, Any]]:
    """Ground truth of one Genesys list (all pages), as the sandbox serves it.

    :param dataset: ``users``, ``queues``, ``wrapupcodes``, ``divisions``, ``skills``, ``languages`` or ``flows``.
    :param expand: users: ``skills``, ``groups``... (as the ``expand`` parameter).
    :param state: users: ``active`` (the API's default), ``inactive``, ``deleted`` or ``any``.
    """
    home = _ref(HOME_DIVISION_ID, "Home", "authorization/divisions")
    if dataset == "divisions":
        return [
            {
                **_ref(i, n, "authorization/divisions"),
                "description": f"{n} division",
                "homeDivision": i == HOME_DIVISION_ID,
            }
            for i, n in DIVISIONS
        ]
    if dataset == "queues":
        out = []
        for index, (queue_id, name) in enumerate(zip(QUEUE_IDS, QUEUE_NAMES, strict=True)):
            division = DIVISIONS[index % len(DIVISIONS)]
            out.append(
                {
                    **_ref(queue_id, name, "routing/queues"),
                    "division": _ref(*division, "authorization/divisions"),
                    "memberCount": len(USER_IDS),
                    "mediaSettings": {"call": {"serviceLevel": {"percentage": 0.8, "durationMs": 20000}}},
                }
            )
        return out
    if dataset == "wrapupcodes":
        return [{**_ref(i, n, "routing/wrapupcodes"), "division": home} for i, n in WRAPUP_CODES]
    if dataset == "skills":
        return [{**_ref(i, n, "routing/skills"), "state": "active"} for i, n in SKILLS]
    if dataset == "languages":
        return [{**_ref(i, n, "routing/languages"), "state": "active"} for i, n in LANGUAGES]
    if dataset == "flows":
        return [{**_ref(i, n, "flows"), "type": "INBOUNDCALL", "division": home} for i, n in FLOWS]
    if dataset == "users":
        return [user for user in _users(expand) if state == "any" or user["state"] == state]
    raise KeyError(dataset)


def _users(expand: frozenset[str]) -> list[dict[str, Any]]:
    users = []
    for index, user_id in enumerate(USER_IDS):
        division = DIVISIONS[index % len(DIVISIONS)]
        user: dict[str, Any] = {
            **_ref(user_id, f"Agent {index + 1:02d}", "users"),
            "division": _ref(*division, "authorization/divisions"),
            "email": f"agent{index + 1:02d}@example.com",
            "state": "deleted" if user_id in DELETED_USERS else "active",
            "department": QUEUE_NAMES[index % len(QUEUE_NAMES)],
            "title": "Agent",
            "version": 1,
        }
        if "skills" in expand:
            user["skills"] = [
                {**_ref(skill_id, name, "routing/skills"), "proficiency": 1 + (index + offset) % 5, "state": "active"}
                for offset, (skill_id, name) in enumerate(SKILLS)
                if (index + offset) % 3 == 0
            ]
        if "groups" in expand:
            group_id = _ids("group", 2)[index % 2]
            user["groups"] = [_ref(group_id, ["Tier 1", "Tier 2"][index % 2], "groups")]
        users.append(user)
    return users


def cxone_entities(dataset: str) -> list[dict[str, Any]]:
    """Ground truth of one CXone admin list: ``agents`` (the 200 agent ids of the contacts), ``skills``
    (the 12 skill ids), ``teams`` (5). Field names as NICE's spec (calljacob/nice-cxone-api
    ``src/services/admin/AdminAgentsService.ts`` ``getAgents``, ``AdminSkillsService.ts`` ``getSkillsId``); the
    teams' are a GUESS (``GET /teams`` is not in that client)."""
    if dataset == "teams":
        return [{"teamId": team_id, "teamName": name, "isActive": True} for team_id, name in CXONE_TEAMS]
    if dataset == "skills":
        return [
            {"skillId": 4000 + i, "skillName": name, "mediaTypeId": [4, 4, 4, 3, 1, 7][i % 6], "isActive": True}
            for i, name in enumerate(CXONE_SKILL_NAMES)
        ]
    if dataset == "agents":
        return [
            {
                "agentId": agent_id,
                "userName": f"agent{agent_id}@example.com",
                "firstName": "Agent",
                "lastName": str(agent_id),
                "teamId": cxone_team_of(agent_id),
                "teamName": dict(CXONE_TEAMS)[cxone_team_of(agent_id)],
                "isActive": True,
                # the spec's agent carries `apiKey` (AdminAgentsService `getAgents`): a sandbox value that must
                # never reach a snapshot
                "apiKey": f"sandbox-agent-api-key-{agent_id}",
            }
            for agent_id in range(1000, 1200)
        ]
    raise KeyError(dataset)


def cxone_team_of(agent_id: int) -> int:
    """The team of a CXone agent."""
    return CXONE_TEAMS[agent_id % len(CXONE_TEAMS)][0]
