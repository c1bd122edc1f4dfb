"""The rate-true rows of benchmarks/scale.py (issue 23): Genesys' rate kept, the window shortened or not.

Genesys allows 300 requests per 60 s per token, 5 per second. The 10x time scale of the main table (300 per 6 s)
makes every whole-second ``Retry-After`` ten times longer against the window, which hides what 429s cost; here the
rate stays 5 per second and only the window shrinks to 10 s (50 per 10 s), latency 0.05 s, the retry policy's
defaults. The unscaled rows (``--unscaled``) run in Genesys' own time: 300 per 60 s, 0.5 s latency, 30,000
conversations a day, so that each worker sends more than a window's worth (301 pages a day).

Run: ``.venv/bin/python benchmarks/scale.py --rate-true 6000 --no-write [--unscaled] [--only '(r4)']``
"""

from __future__ import annotations

import importlib.util
from typing import Any

#: Genesys' rate, 5 requests/s per token, in a 10 s window
LIMIT, WINDOW = 50, 10.0
#: conversations a day in the unscaled rows: 301 pages of 100, more than a 60 s window's 300 requests
UNSCALED_PER_DAY = 30_000


def plan(row: Any, sandbox_args: Any, per_day: int, unscaled: bool) -> list[tuple[list[str], list[Any]]]:
    """(sandbox arguments, rows) per sandbox process.

    :param row: the ``Row`` class of benchmarks/scale.py.
    :param sandbox_args: its ``sandbox_args(per_day, days, *extra)``.
    :param per_day: conversations a day in the rate-true rows.
    :param unscaled: add the rows at 300 per 60 s (about 10 minutes).
    """
    paced = ["--rate-limit", str(LIMIT), "--rate-window", str(WINDOW), "--latency", "0.05", "--prewarm"]
    true = {"scale": 1.0, "limit": LIMIT, "window": WINDOW}
    adaptive, redis = {"rate_limiter": "adaptive"}, {"rate_limiter": "redis"}
    four = [[0], [1], [2], [3]]
    sdk = importlib.util.find_spec("PureCloudPlatformClientV2") is not None
    name = "rate-true 5/s in 10 s"
    main = [
        row(f"(r1) {name}, 1 worker, adaptive", [[0]], extras=adaptive, **true),
        row(f"(r1r) {name}, 1 worker, Redis", [[0]], extras=redis, **true),
        row(f"(r4) {name}, 4 workers, adaptive", four, extras=adaptive, **true),
        row(f"(r4r) {name}, 4 workers, Redis", four, extras=redis, **true),
        row(f"(rs) {name}, official SDK plain loop", [[0]], client="sdk", **true,
            note="" if sdk else "not run: PureCloudPlatformClientV2 (the benchmark extra) is not installed here."),
        row(f"(rt) {name}, tutorial client", [[0]], client="tutorial", **true),
    ]  # fmt: skip
    plans = [(sandbox_args(per_day, 4, *paced), main)]
    faults = [row(f"(rf) {name}, 10 % faults, 1 worker, adaptive", [[0]], extras=adaptive, **true)]
    plans.append((sandbox_args(per_day, 1, *paced, "--fault-rate", "0.1"), faults))
    for lifetime in (8, 30):  # 4 days in one worker: about 50 s, 6 lifetimes of 8 s
        tokens = [row(f"(rk{lifetime}) {name}, token lifetime {lifetime} s, 4 days in 1 worker", [[0, 1, 2, 3]],
                      extras=adaptive, **true)]  # fmt: skip
        plans.append((sandbox_args(per_day, 4, *paced, "--token-ttl", str(lifetime)), tokens))
    if unscaled:
        genesys = {"scale": 1.0, "limit": 300, "window": 60.0}
        rows = [
            row("(u1) unscaled 300 per 60 s, 1 worker, adaptive", [[0]], extras=adaptive, **genesys),
            row("(u4) unscaled 300 per 60 s, 4 workers, adaptive", four, extras=adaptive, **genesys),
            row("(u4r) unscaled 300 per 60 s, 4 workers, Redis", four, extras=redis, **genesys),
        ]
        unscaled_sandbox = ["--rate-limit", "300", "--rate-window", "60", "--latency", "0.5", "--prewarm"]
        plans.append((sandbox_args(UNSCALED_PER_DAY, 4, *unscaled_sandbox), rows))
    return plans


def note(row: Any) -> None:
    """The token rows' note: the 401s the sandbox answered and the token requests per lifetime."""
    result = row.result
    if not result or "token lifetime" not in row.name:
        return
    lifetime = float(row.name.split("token lifetime ")[1].split(" s")[0])
    per = result["tokens"] / (result["wall"] / lifetime)
    row.note += f"401s: {result['401']}; {per:.2f} token requests per lifetime."
