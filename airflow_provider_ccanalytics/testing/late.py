"""Data that changes after the fact, deterministically from the sandbox's clock (opt-in through DataSpec).

Genesys: a conversation is *active* until it ends (no ``conversationEnd``, open segments). A share
(``late_fraction``) of conversations then changes for up to ``late_max_seconds``: in the first half
of that delay it still shows no ``conversationEnd`` (Genesys has not closed it yet), in the second
it has ended but lacks its wrap-up segment, its after-call-work metrics and its MOS; then it is
final. CXone: each contact becomes visible ``settle`` seconds after it ends (a range per contact
with ``contact_settle_seconds``), and a share changes once more (``lastUpdateTime`` moves, the
duration grows by after-call work) up to ``contact_change_max_seconds`` after that; each version's
``lastUpdateTime`` is when reporting wrote it, the instant it became visible (:mod:`.contacts`).

Sources: Genesys' help FAQ "Why can my data change?" (reprocessing until a conversation is about
3 days old; practitioners report wrap-up segments appearing in a later extract) and NICE's note that
contacts settle about 30 minutes after they end. *Guessed*: the order in which a Genesys conversation
gains its parts (end first, then wrap-up, metrics and MOS), and that a CXone contact's
``lastUpdateTime`` is the time it became visible (what passing ``lastPollTime`` as the next
``updatedSince``, as NICE's docs advise, relies on: :meth:`.contacts.ContactsMixin.contact_written_ms`).

Genesys' nightly pipeline (``reprocess_fraction``): a share of conversations changes once more when the
pipeline reprocesses them. The FAQ (https://help.mypurecloud.com/faqs/why-can-my-data-change): the
pipeline "runs overnight and reprocesses data that is a minimum of 48 hours at the time that the job
kicks off", "the job can take longer", and may begin on a change "after the conversation is at least three
days old". Here: at the first kick-off at least 48 h after the conversation's end, plus the job's run time,
so 48 to 78 h after it. *Guessed*: the kick-off hour (``PIPELINE_HOUR_UTC``), the run time (up to
``PIPELINE_RUN_SECONDS``) and what it corrects (a metric the real-time stream missed is added).
"""

from __future__ import annotations

import copy
import random
from typing import Any

ACTIVE, ENDED, FINAL = "active", "ended", "final"
#: final as far as real time goes, not yet corrected by the nightly pipeline
UNPROCESSED = "unprocessed"
#: GUESS: the pipeline kicks off at 02:00 UTC ("overnight in all regions") and runs up to 6 hours
PIPELINE_HOUR_UTC = 2
PIPELINE_RUN_SECONDS = 6 * 3600.0
#: the pipeline takes data at least this old when it kicks off (the FAQ's figure)
PIPELINE_MIN_AGE_SECONDS = 48 * 3600.0
#: the metric the pipeline adds (missed by the real-time stream)
PIPELINE_METRIC = "nPipelineCorrected"


def reprocessed_at(seed: int, index: int, end: float, fraction: float) -> float | None:
    """When the nightly pipeline changes conversation ``index`` (None: it does not)."""
    if fraction <= 0:
        return None
    rng = random.Random(f"{seed}:pipeline:{index}")
    if rng.random() >= fraction:
        return None
    day = 86400.0
    earliest = end + PIPELINE_MIN_AGE_SECONDS
    kickoff = (earliest - PIPELINE_HOUR_UTC * 3600.0) // day * day + PIPELINE_HOUR_UTC * 3600.0
    if kickoff < earliest:
        kickoff += day
    return kickoff + rng.uniform(0.0, PIPELINE_RUN_SECONDS)


def late_delay(seed: int, kind: str, index: int, fraction: float, max_seconds: float) -> float:
    """How long after its end record ``index`` keeps changing (0 for the records that never change)."""
    if max_seconds <= 0 or fraction <= 0:
        return 0.0
    rng = random.Random(f"{seed}:late:{kind}:{index}")
    return rng.uniform(0.05, 1.0) * max_seconds if rng.random() < fraction else 0.0


def conversation_stage(start: float, end: float, delay: float, as_of: float | None) -> str | None:
    """The conversation's stage at ``as_of`` (None: not started yet; no ``as_of``: final)."""
    if as_of is None:
        return FINAL
    if as_of < start:
        return None
    if as_of < end + delay / 2:
        return ACTIVE
    if as_of < end + delay:
        return ENDED
    return FINAL


def conversation_at_stage(final: dict[str, Any], stage: str) -> dict[str, Any]:
    """The final conversation as the details API showed it at an earlier stage."""
    if stage == FINAL:
        return final
    record = copy.deepcopy(final)
    for participant in record["participants"]:  # before the pipeline: without the metric it adds
        for session in participant["sessions"]:
            if "metrics" in session:
                session["metrics"] = [m for m in session["metrics"] if m["name"] != PIPELINE_METRIC]
    if stage == UNPROCESSED:
        return record
    record.pop("mediaStatsMinConversationMos", None)
    for name in ("evaluations", "surveys", "resolutions"):  # these come after the call (testing/quality.py)
        record.pop(name, None)
    for participant in record["participants"]:
        for session in participant["sessions"]:
            session["segments"] = [s for s in session["segments"] if s.get("segmentType") != "wrapup"]
            if "metrics" in session:
                session["metrics"] = [m for m in session["metrics"] if m["name"] not in ("tAcw", "tHandle")]
            if stage == ACTIVE:
                session["segments"][-1].pop("segmentEnd", None)
                session["segments"][-1].pop("disconnectType", None)
    if stage == ACTIVE:
        record.pop("conversationEnd", None)
    return record


def contact_settle(seed: int, index: int, settle_range: tuple[float, float] | None, default: float) -> float:
    """Seconds after its end until contact ``index`` is visible in reporting."""
    if settle_range is None:
        return default
    return random.Random(f"{seed}:settle:{index}").uniform(*settle_range)
