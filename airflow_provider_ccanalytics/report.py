"""A small report from written partitions: conversations, mean handle time and abandon rate by queue name.

For the demo (``scripts/demo``) and as an example to copy; nothing in the provider imports it. Needs DuckDB
(the ``demo`` extra). It reads one day's conversation details partition (records layout, jsonl.gz or
Parquet) and the newest Genesys queues snapshot (``queues/org=<id>/snapshot_date=YYYY-MM-DD/``), each through its
committed ``_manifest.json`` found by ``**`` globs, so the ``org=<id>/`` level below the dataset folder (or any
prefix above it) is no matter. The SQL is :data:`SQL` (the README's "A report from your output").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow_provider_ccanalytics.core.errors import ConfigurationError

#: the report; ``{conversations}`` and ``{queues}`` are relations with a JSON column ``json`` per record
SQL = """
WITH conversations AS (
    SELECT json ->> '$.conversationId' AS conversation_id,
           -- the first queue a segment names (the ACD participant's)
           json_extract_string(json, '$.participants[*].sessions[*].segments[*].queueId')[1] AS queue_id,
           json_extract(json, '$.participants[*].sessions[*].metrics[*]') AS metrics
    FROM {conversations}
),
per_conversation AS (
    SELECT conversation_id, queue_id,
           list_sum([CAST(m ->> '$.value' AS BIGINT) FOR m IN metrics IF m ->> '$.name' = 'tHandle']) AS handle_ms,
           len([m FOR m IN metrics IF m ->> '$.name' = 'tAbandon']) > 0 AS abandoned
    FROM conversations
),
queues AS (
    SELECT json ->> '$.id' AS id, any_value(json ->> '$.name') AS name FROM {queues} GROUP BY ALL
)
SELECT coalesce(queues.name, c.queue_id, '(no queue)') AS queue,
       count(*) AS conversations,
       round(avg(handle_ms) / 1000, 1) AS mean_handle_s,
       round(100 * avg(CASE WHEN abandoned THEN 1 ELSE 0 END), 1) AS abandon_rate_pct
FROM per_conversation AS c LEFT JOIN queues ON queues.id = c.queue_id
GROUP BY ALL
ORDER BY conversations DESC, queue
"""

COLUMNS = ("queue", "conversations", "mean_handle_s", "abandon_rate_pct")


@dataclass(frozen=True)
class Partition:
    """A committed partition folder and the part files its manifest lists.

    :param folder: the partition folder.
    :param files: its part files (absolute paths).
    :param format: ``jsonl.gz`` or ``parquet``.
    """

    folder: Path
    files: tuple[str, ...]
    format: str


def committed(folder: Path) -> Partition:
    """The partition in ``folder`` as its ``_manifest.json`` lists it.

    :raises ConfigurationError: a flattened (``layout="tables"``) or Delta partition (the report reads records).
    """
    manifest = json.loads((folder / "_manifest.json").read_text())
    if manifest.get("layout", "records") != "records":
        raise ConfigurationError("layout", f"{folder} is layout='tables'; the report reads layout='records'")
    files = tuple(str(folder / entry["path"]) for entry in manifest["files"])
    return Partition(folder, files, manifest.get("format", "jsonl.gz"))


def find_partitions(root: Path, pattern: str) -> list[Path]:
    """Committed partition folders under ``root`` matching ``**/{pattern}`` (hidden staging folders skipped)."""
    found = (manifest.parent for manifest in root.glob(f"**/{pattern}/_manifest.json"))
    return sorted(
        folder for folder in found if not any(part.startswith(".") for part in folder.relative_to(root).parts)
    )


def conversations_partition(root: Path, day: str) -> Partition:
    """The conversation details partition of ``day`` (``YYYY-MM-DD``) under ``root``.

    :raises ConfigurationError: when there is none (or several, e.g. of several orgs).
    """
    folders = find_partitions(root, f"genesys/**/conversation_details/**/interval_start={day}T00:00:00Z")
    if len(folders) != 1:
        raise ConfigurationError(
            "output",
            f"expected one conversation_details partition of {day} under {root}, "
            f"found {len(folders)}: run the details DAG for that day (or pass the org's folder)",
        )
    return committed(folders[0])


def queues_snapshot(root: Path) -> Partition | None:
    """The newest Genesys queues snapshot under ``root`` (None: there is none)."""
    folders = find_partitions(root, "queues/**/snapshot_date=*")
    folders = [folder for folder in folders if "genesys" in folder.relative_to(root).parts]
    if not folders:
        return None
    return committed(max(folders, key=lambda folder: folder.name))


def _relation(partition: Partition | None, columns: str = "") -> str:
    """A DuckDB relation with one JSON column ``json`` per record of ``partition``.

    :param columns: Parquet: the JSON object of a row (default: every column, ``_extra``'s fields merged in).
    """
    if partition is None or not partition.files:
        return "(SELECT NULL::JSON AS json WHERE false)"
    files = ", ".join("'" + name.replace("'", "''") + "'" for name in partition.files)
    if partition.format == "parquet":
        row = columns or "json_merge_patch(to_json(t), coalesce(t._extra, '{}'))"
        return f"(SELECT {row} AS json FROM read_parquet([{files}], hive_partitioning = false) AS t)"
    return f"read_json_objects([{files}], format = 'newline_delimited')"


def queue_report(root: Any, day: str) -> list[dict[str, Any]]:
    """Conversations, mean handle time (s, over handled conversations) and abandon rate (%) by queue name on
    ``day``; a queue the snapshot does not name shows its id.

    :param root: the output root (a path or ``file://`` URI), as given to the operators' ``output``.
    :param day: ``YYYY-MM-DD``.
    """
    try:
        import duckdb
    except ImportError:
        raise ConfigurationError(
            "duckdb", "the report needs DuckDB: pip install 'airflow-provider-ccanalytics[demo]'"
        ) from None
    text = str(root)
    base = Path(text[len("file://") :] if text.startswith("file://") else text)
    conversations = _relation(
        conversations_partition(base, day),
        "json_object('conversationId', conversationId, 'participants', json(participants))",
    )
    queues = _relation(queues_snapshot(base))
    with duckdb.connect() as con:
        rows = con.execute(SQL.format(conversations=conversations, queues=queues)).fetchall()
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


def text_table(header: list[str], rows: list[list[str]]) -> str:
    """Rows as an aligned text table: the first column left-aligned, the others right-aligned, a rule under
    the header.

    :param header: the column titles.
    :param rows: the cells, as text, one list per row.
    """
    cells = [header, *rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_table(rows: list[dict[str, Any]]) -> str:
    """The report as an aligned text table."""
    header = ["queue", "conversations", "mean handle s", "abandon rate %"]
    return text_table(header, [["" if row[c] is None else str(row[c]) for c in COLUMNS] for row in rows])
