"""Scale benchmark (issue 13): the provider against the sandbox at Genesys' limit, time-scaled; prints one table
and writes it to BENCHMARKS.md. Run: .venv/bin/python benchmarks/scale.py [--quick] [--no-write]

Time scale: every duration is divided by SCALE (10): Genesys' 300 requests per minute per token becomes 300 per
6 s, a request's latency of 0.5 s becomes 0.05 s, the tutorial's 0.5 s sleep 0.05 s, a details job of 30 s 3 s,
the provider's retry backoffs and budget a tenth of their defaults. Retry-After
stays in whole seconds, as Genesys sends it (at least 1 s, so 10 s of Genesys time). Each client runs in its
own process, against the sandbox in its own process; counts (requests, 429s, token requests) are the sandbox's,
taken from the moment every worker is ready.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import importlib.util
import platform
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import scale_rate_true
from run import sandbox_process
from scale_support import redis_server, run_workers, sandbox_counts

from airflow_provider_ccanalytics.testing.data import Dataset, DataSpec, parse_ts

SCALE = 10.0
LIMIT, WINDOW = 300, 60.0 / SCALE
LATENCY = 0.5 / SCALE
JOB_SECONDS = 30.0 / SCALE
FIRST_DAY = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
# the token leeway stays the provider's default (60 s, at most a tenth of a token's lifetime)
EXTRAS = {"requests_per_minute": LIMIT, "rate_window_seconds": WINDOW}
ROOT = Path(__file__).resolve().parent.parent


def day(index: int) -> list[str]:
    start = FIRST_DAY + dt.timedelta(days=index)
    return [start.strftime("%Y-%m-%dT%H:%M:%SZ"), (start + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")]


@dataclass
class Row:
    """One scenario: who runs (``workers``: one list of days per process), and what the table shows."""

    name: str
    workers: list[list[int]]
    client: str = "provider"  # provider, sdk or tutorial
    mode: str = "query"
    extras: dict[str, Any] = field(default_factory=dict)
    readback: bool = True
    note: str = ""
    scale: float = SCALE  # 1: Genesys' own time (the jobs-vs-query pair, whose CPU costs do not scale)
    limit: int = LIMIT  # requests per window the vendor allows (the rate-true rows: 50 per 10 s, Genesys' 5/s)
    window: float | None = None  # the window in seconds (None: 60 s divided by ``scale``)
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def window_seconds(self) -> float:
        return self.window if self.window is not None else 60.0 / self.scale


def paced_args(scale: float) -> list[str]:
    """The sandbox at Genesys' limit and latency, time-scaled by ``scale``."""
    return ["--rate-limit", str(LIMIT), "--rate-window", str(60.0 / scale), "--latency", str(0.5 / scale), "--prewarm"]


def sandbox_args(per_day: int, days: int, *extra: str) -> list[str]:
    end = FIRST_DAY + dt.timedelta(days=days)
    return [
        "--conversations", str(per_day * days), "--start", day(0)[0], "--end", end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        *extra,
    ]  # fmt: skip


_datasets: dict[tuple[str, ...], Dataset] = {}


def truth_count(spec_args: list[str], days: list[int]) -> int:
    """Ground truth: how many conversations started in the days (the sandbox's generator, same seed). Committed ids
    that are unique and started in their day are real conversations of that day, so this count tells lost ones."""
    key = tuple(spec_args[spec_args.index(flag) + 1] for flag in ("--conversations", "--start", "--end"))
    if key not in _datasets:
        _datasets[key] = Dataset(DataSpec(conversations=int(key[0]), start=key[1], end=key[2]))
    starts = _datasets[key].conv_starts
    return sum(bisect.bisect_left(starts, parse_ts(day(d)[1])) - bisect.bisect_left(starts, parse_ts(day(d)[0]))
               for d in days)  # fmt: skip


def run_row(row: Row, urls: dict[str, Any], spec_args: list[str], redis_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as work:
        configs = []
        for index, days in enumerate(row.workers):
            config: dict[str, Any] = {
                "urls": urls,
                "days": [day(d) for d in days],
                "result": f"{work}/result-{index}.json",
                "env": {"AIRFLOW_HOME": work, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"},
            }
            if row.client == "provider":
                extras = {
                    **EXTRAS,
                    "requests_per_minute": row.limit,
                    "rate_window_seconds": row.window_seconds,
                    **row.extras,
                }
                if extras.get("rate_limiter") == "redis":
                    extras["redis_url"] = redis_url
                config.update(
                    extras=extras,
                    token_file=f"{work}/tokens.json",
                    out=Path(work, "out").as_uri(),
                    mode=row.mode,
                    poll=5.0 / row.scale,
                    scale=row.scale,
                    readback=row.readback,
                )
            else:
                config.update(kind=row.client, scale=row.scale, out=work)
            configs.append(config)
        script = "scale_worker.py" if row.client == "provider" else "scale_baselines.py"
        results = run_workers(script, configs, urls["base_url"])
        counts = sandbox_counts(urls["base_url"])
    wall = max(r["ended"] for r in results) - min(r["started"] for r in results)
    days = sorted({d for w in row.workers for d in w})
    truth = truth_count(spec_args, days)
    summary: dict[str, Any] = {"wall": wall, "truth": truth, **counts}
    summary["rss"] = max(r["peak_rss_mb"] for r in results)
    first = min(r["started"] for r in results)
    print(f"  retries {[r.get('retries') for r in results]}, limiters {[r.get('limiter') for r in results]}, "
          f"ended at {[round(r['ended'] - first, 1) for r in results]} s", file=sys.stderr, flush=True)  # fmt: skip
    if row.readback:
        ids = [i for r in results for i in r["ids"]]
        unique = len(set(ids))
        dup = len(ids) - unique + sum(r["outside"] for r in results)
        summary.update(conversations=unique, lost=truth - unique, dup=dup)
    else:  # counts only (the manifests'): reading 1,000,000 records back costs more than the run
        records = sum(r["records"] for r in results)
        summary.update(conversations=records, lost=max(0, truth - records), dup=max(0, records - truth))
    # achieved: the requests the sandbox accepted (a 429 uses no budget), against what the limit allows in the wall
    summary["ceiling"] = (summary["requests"] - summary["429"]) / (row.limit * wall / row.window_seconds)
    row.result = summary


def fmt(row: Row) -> list[str]:
    r = row.result
    if not r:
        return [row.name, *["—"] * 8, row.note]
    limit_429 = r["429"] - r["429 injected"]
    answered = f"{r['429']} ({r['429'] / max(1, r['requests']) * 100:.1f} %)"
    if r["429 injected"]:
        answered += f"; {r['429 injected']} injected"
    ceiling = f"{r['ceiling'] * 100:.1f} %" if r.get("paced", True) else "—"
    return [
        row.name,
        f"{r['wall']:.1f}",
        f"{r['conversations'] / r['wall']:,.0f}",
        ceiling,
        f"{r['requests']:,}",
        answered if r["429"] else "0",
        str(r["tokens"]),
        f"{r['rss']:.0f}",
        f"{r['lost']} / {r['dup']}",
        row.note + (f" limit 429s: {limit_429}." if r["429 injected"] else ""),
    ]


HEAD = [
    "scenario", "wall s", "conv/s", "% of ceiling", "requests", "429s received", "token requests",
    "peak RSS MB", "lost / dup", "notes",
]  # fmt: skip


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
    lines += ["| " + " | ".join(fmt(row)) + " |" for row in rows]
    return "\n".join(lines)


def scenarios(per_day: int, quick: bool) -> list[tuple[list[str], list[Row]]]:
    """(sandbox arguments, rows) per sandbox process."""
    redis_built = importlib.util.find_spec("airflow_provider_ccanalytics.core.http.redis_limiter") is not None
    paced = paced_args(SCALE)
    main_rows = [
        Row("(a) clean day, provider", [[0]]),
        Row("(a) clean day, official SDK plain loop", [[0]], client="sdk"),
        Row("(a) clean day, tutorial client", [[0]], client="tutorial"),
        Row("(a4) clean, 4 days in one worker", [[0, 1, 2, 3]]),
        Row("(d) 4 workers, 1 day each, adaptive in-process limiter", [[0], [1], [2], [3]],
            extras={"rate_limiter": "adaptive"}),
        Row("(e) 4 workers, 1 day each, Redis limiter", [[0], [1], [2], [3]],
            extras={"rate_limiter": "redis"}, note="" if redis_built else "no Redis limiter in this build."),
        Row("(f) 7-day backfill, sync details query", [list(range(7))]),
        Row("(g) 7-day backfill, details jobs (7 in flight)", [list(range(7))], mode="jobs",
            note=f"job latency {JOB_SECONDS:g} s ({JOB_SECONDS * SCALE:g} s Genesys time), poll 0.5 s."),
    ]  # fmt: skip
    plan = [
        (sandbox_args(per_day, 7, *paced, "--job-seconds", str(JOB_SECONDS)), main_rows),
        # in Genesys' own time: a Retry-After is whole seconds (1 s here), which the time scale cannot shrink
        (
            sandbox_args(per_day, 2, *paced_args(1.0), "--fault-rate", "0.1"),
            [Row("(b) 10 % faults, 2 days, unscaled", [[0, 1]], scale=1.0)],
        ),
    ]
    for lifetime in (6.0, 3.0):
        name = f"(c) token lifetime {lifetime:g} s ({lifetime * SCALE:g} s Genesys), 2 days"
        plan.append((sandbox_args(per_day, 2, *paced, "--token-ttl", str(lifetime)), [Row(name, [[0, 1]])]))
    if not quick:  # jobs against the query in Genesys' own time: 7 x 301 requests at 5 per second, about 7 minutes
        genesys_time = [
            Row("(f1) 7-day backfill, sync details query, unscaled", [list(range(7))], scale=1.0),
            Row("(g1) 7-day backfill, details jobs (7 in flight), unscaled", [list(range(7))], mode="jobs", scale=1.0,
                note="job latency 30 s, poll 5 s."),
        ]  # fmt: skip
        plan.append((sandbox_args(per_day, 7, *paced_args(1.0), "--job-seconds", "30"), genesys_time))
        memory = Row("(h) 1,000,000 conversations in a day, no limit", [[0]], readback=False)
        plan.append((["--conversations", "1000000", "--start", day(0)[0], "--end", day(0)[1], "--rate-limit", "0"],
                     [memory]))  # fmt: skip
    return plan


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3,000 conversations a day; no 1,000,000 run")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument("--only", help="run only the rows whose name contains this, e.g. '(d)'")
    parser.add_argument(
        "--rate-true", type=int, metavar="PER_DAY", help="only the rate-true rows (issue 23), PER_DAY conversations"
    )
    parser.add_argument("--unscaled", action="store_true", help="with --rate-true: add the rows at 300 per 60 s")
    args = parser.parse_args()
    per_day = 3_000 if args.quick else 30_000
    if args.rate_true:
        plan = scale_rate_true.plan(Row, sandbox_args, args.rate_true, args.unscaled)
    else:
        plan = scenarios(per_day, args.quick)
    rows = [row for _, group in plan for row in group]
    with redis_server() as redis_url:
        for spec_args, group in plan:
            todo = [row for row in group if not args.only or args.only in row.name]
            if not todo:
                continue
            with sandbox_process(*spec_args) as urls:
                for row in todo:
                    if (row.extras.get("rate_limiter") == "redis" and "no Redis" in row.note) or "not run" in row.note:
                        continue
                    print(f"running {row.name} ...", file=sys.stderr, flush=True)
                    run_row(row, urls, spec_args, redis_url)
                    if "(h)" in row.name:
                        row.result["paced"] = False
                    print(" | ".join(fmt(row)), file=sys.stderr, flush=True)
    add_notes(rows)
    text = table(rows)
    print(text)
    if not args.no_write and not args.only and not args.rate_true:
        write_markdown(text, args.quick)
    return 0


def add_notes(rows: list[Row]) -> None:
    by_name = {row.name[:3]: row for row in rows if row.result}
    for row in rows:
        scale_rate_true.note(row)
        if row.name.startswith("(c)") and row.result:
            lifetime = float(row.name.split("lifetime ")[1].split(" s")[0])
            per = row.result["tokens"] / (row.result["wall"] / lifetime)
            row.note += f"{per:.2f} token requests per lifetime."
    for query, jobs in (("(f)", "(g)"), ("(f1", "(g1")):
        if query in by_name and jobs in by_name:
            speedup = by_name[query].result["wall"] / by_name[jobs].result["wall"]
            by_name[jobs].note += f" {speedup:.1f}x faster than {by_name[query].name[:4].rstrip()}."


def write_markdown(text: str, quick: bool) -> None:
    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True,
                         text=True).stdout.strip()  # fmt: skip
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout
    command = ".venv/bin/python benchmarks/scale.py" + (" --quick" if quick else "")
    section = f"""{BEGIN}
## Scale (issue 13): `{command}`

Run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC at commit {commit.strip()}, on {platform.node()}:
{cpu or platform.processor()}, {_cores()} cores, Python {platform.python_version()}. {SHARED}

Time scale {SCALE:g}x: Genesys' {LIMIT} requests per minute per token is {LIMIT} per {WINDOW:g} s; latency
{LATENCY:g} s per request; details jobs take {JOB_SECONDS:g} s; the token leeway is the default (at most a tenth
of the lifetime); the retry backoffs a tenth of their defaults. "% of ceiling": the API requests the sandbox
accepted (all but the 429s) over the {LIMIT} per {WINDOW:g} s the limit allows during the wall time (a rolling
window lets a run start with a full window, so a short run can pass 100 %). "429s received": the limit's and, in
(b), the injected ones. "lost / dup" compares the conversation ids committed (read back from the partitions; row
(h): manifest counts) with the sandbox's ground truth (`Dataset.conversation_ids_started`); a record outside its
day counts as dup.
Rows (b), (f1) and (g1) run in Genesys' own time (scale 1: 300 requests per 60 s, 0.5 s latency, 30 s jobs, 5 s
polls): a Retry-After is whole seconds (the injected 429s' is 1 s, 10 s of Genesys time at 10x), and the CPU
cost of parsing and writing 210,000 conversations does not shrink with the time scale, so at 10x the jobs' side
is bound by this machine's CPU rather than by the API.
Data: 30,000 conversations a day{" (3,000 with --quick)" if quick else ""}.

{text}
{END}"""
    path = ROOT / "BENCHMARKS.md"
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    if BEGIN in old and END in old:  # replace this table only; other sections and the reading below stay
        before, rest = old.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
    else:
        title, _, others = old.partition("\n")
        before, after = title + "\n\n", "\n\n" + others.lstrip("\n")
    path.write_text(before + section + after)


def _cores() -> int:
    import os

    return os.cpu_count() or 0


SHARED = "Say below the table what else ran on the machine during the run."
BEGIN, END = "<!-- scale table: written by benchmarks/scale.py -->", "<!-- end of scale table -->"

if __name__ == "__main__":
    sys.exit(main())
