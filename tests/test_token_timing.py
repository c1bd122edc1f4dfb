"""A request takes its token when it is about to be sent, after its rate slot: short tokens do not expire in queue.

Over the wire: Genesys' rate (5 requests/s per token, in a 10 s window), 8 page workers queued on the limiter, and
tokens that live 8 s with the default leeway (a tenth of the lifetime: 0.8 s). Reading the token before waiting for
the slot (up to 8 / 4.85 = 1.6 s behind 7 other workers) sent tokens that expired on the way: 10-26 x 401.
"""

from __future__ import annotations

from collections.abc import Callable

from airflow_provider_ccanalytics.core.http import AdaptiveRateLimiter
from airflow_provider_ccanalytics.testing import DataSpec, Sandbox
from tests import clients
from tests.conftest import DAY_WINDOW


def test_eight_page_workers_at_the_vendors_rate_meet_no_401_with_8_s_tokens(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sandbox = sandbox_factory(DataSpec(conversations=6000), token_ttl=8.0, rate_limit=50, rate_window=10.0)
    http = clients.transport(limiter=AdaptiveRateLimiter(50, window=10.0))
    client = clients.genesys(sandbox, http=http)
    ids = [record["conversationId"] for record in client.iter_details_in(DAY_WINDOW)]
    assert len(ids) == len(set(ids)) == 6000
    assert sandbox.count("status 401") == 0
    assert http.stats.reauthentications == 0
    assert sandbox.count("status 429") == 0
    assert sandbox.count("POST genesys oauth/token") >= 2  # the run outlived a token: renewals happened, ahead of time
