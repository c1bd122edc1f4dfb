"""The two clients benchmarks/scale.py measures side by side with the provider, each in its own process.

``sdk``: a plain loop over Genesys' official Python SDK (``purecloudplatformclientv2``, the ``benchmark`` extra):
one details query per day, paged by page number (100 per page) until a short page or ``totalHits``; records
appended to a JSON-lines file. The SDK's own retries are left as shipped (urllib3 retries 429/503 that carry
Retry-After). Its host points at the sandbox through the SDK's gateway setting.

``tutorial``: the typical tutorial client, re-implemented: ``requests`` without a session, a token fetched once
and kept, a fixed sleep between requests (0.5 s, time-scaled with the limit), 25 per page, and a 429 printed
and its page dropped.

Argument: JSON with ``kind`` (``sdk`` or ``tutorial``), ``urls``, ``days``, ``scale`` (seconds of Genesys time
per benchmark second), ``out`` (a directory), ``result``; the protocol is scale_support.run_workers'.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from scale_support import peak_rss_mb, wait_for_go

DETAILS = "/api/v2/analytics/conversations/details/query"


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def sdk_loop(config: dict[str, Any], sink: Any, keep: Any, begin: Any) -> None:
    import PureCloudPlatformClientV2 as genesys

    login = urlsplit(config["urls"]["genesys_login_url"])
    api = urlsplit(config["urls"]["genesys_api_url"])
    client = genesys.api_client.ApiClient()
    client.set_gateway(login.hostname, login.scheme, login.port, login.path.lstrip("/"), api.path.lstrip("/"))
    conn = config["urls"]["genesys_connection"]
    client.get_client_credentials_token(conn["login"], conn["password"])
    conversations = genesys.ConversationsApi(client)
    begin()
    for start, end in config["days"]:
        page = 1
        while True:
            body = genesys.ConversationQuery()
            body.interval = f"{start}/{end}"
            body.order = "asc"
            body.order_by = "conversationStart"
            body.paging = genesys.PagingSpec()
            body.paging.page_size = 100
            body.paging.page_number = page
            answer = conversations.post_analytics_conversations_details_query(body)
            found = answer.conversations or []
            for conversation in found:
                sink.write(json.dumps(client.sanitize_for_serialization(conversation)) + "\n")
                keep(conversation.conversation_id, conversation.conversation_start, start, end)
            if len(found) < 100 or page * 100 >= (answer.total_hits or 0):
                break
            page += 1


def tutorial_loop(config: dict[str, Any], sink: Any, keep: Any, begin: Any) -> None:
    conn = config["urls"]["genesys_connection"]
    answer = requests.post(
        f"{config['urls']['genesys_login_url']}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(conn["login"], conn["password"]),
    )
    token = answer.json()["access_token"]  # kept for good: the tutorial never looks at expires_in
    begin()
    pause = 0.5 / config["scale"]
    for start, end in config["days"]:
        page = 1
        while True:
            time.sleep(pause)
            response = requests.post(
                config["urls"]["genesys_api_url"] + DETAILS,
                headers={"Authorization": f"Bearer {token}"},
                json={"interval": f"{start}/{end}", "paging": {"pageSize": 25, "pageNumber": page}},
            )
            if response.status_code == 429:
                print(f"Rate limited on page {page}, skipping", file=sys.stderr)
                page += 1
                continue
            response.raise_for_status()
            found = response.json().get("conversations", [])
            for conversation in found:
                sink.write(json.dumps(conversation) + "\n")
                keep(conversation["conversationId"], parse(conversation["conversationStart"]), start, end)
            if len(found) < 25:
                break
            page += 1


def main() -> None:
    config = json.loads(sys.argv[1])
    ids: list[str] = []
    outside = 0
    clock: dict[str, float] = {}

    def keep(conversation_id: str, started: datetime, start: str, end: str) -> None:
        nonlocal outside
        if parse(start) <= started < parse(end):
            ids.append(conversation_id)
        else:
            outside += 1

    def begin() -> None:
        wait_for_go()
        clock["started"] = time.time()

    loop = sdk_loop if config["kind"] == "sdk" else tutorial_loop
    with open(Path(config["out"]) / f"{config['kind']}.jsonl", "w") as sink:
        loop(config, sink, keep, begin)
    result = {
        "started": clock["started"],
        "ended": time.time(),
        "peak_rss_mb": peak_rss_mb(),
        "records": len(ids) + outside,
        "ids": ids,
        "outside": outside,
    }
    Path(config["result"]).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
