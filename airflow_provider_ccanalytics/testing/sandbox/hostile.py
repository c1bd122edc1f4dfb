"""Hostile answers: bodies a broken or malicious endpoint (or a proxy in front of it) may send instead of the API's.

Sources: RFC 8259 section 9 ("An implementation may set limits on ... the maximum depth of nesting"), RFC 9110
(a body of any length, announced by ``Content-Length`` or not), ECMA-48 (control sequences such as ``ESC [``
that a terminal obeys) and the log-injection class (CWE-117: a CR LF in text that becomes a log line). No vendor
documents such answers; the client must refuse them with a typed error or a bounded read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

#: the kinds a ``Fault(hostile=...)`` can serve
HOSTILE_KINDS = ("deep_json", "huge_page", "control_chars")
#: what a ``control_chars`` answer says: an ANSI colour escape, a forged log line, a bidi override and a bell
CONTROL_TEXT = "disk \x1b[31mfull\x1b[0m\r\nINFO - forged line \u202egnp.exe\x07"


def hostile_body(kind: str, size: int = 100 * 2**20) -> tuple[str, int, Iterator[bytes]]:
    """(content type, length, chunks) of a hostile answer.

    :param kind: ``deep_json`` (arrays nested 100,000 deep), ``huge_page`` (a JSON page of ``size`` bytes, sent in
        chunks, never held whole), ``control_chars`` (a JSON error whose message holds :data:`CONTROL_TEXT`).
    :param size: the length of a ``huge_page``.
    """
    if kind == "deep_json":
        depth = 100_000
        data = b"[" * depth + b"]" * depth
        return "application/json", len(data), iter([data])
    if kind == "control_chars":
        data = json.dumps({"message": CONTROL_TEXT, "code": "bad.request", "status": 400}).encode()
        return "application/json", len(data), iter([data])
    if kind == "huge_page":
        head, tail = b'{"conversations":[', b'],"totalHits":1}'
        record = b'{"conversationId":"' + b"x" * 1000 + b'"},'
        count = max(0, (size - len(head) - len(tail) - 2) // len(record))
        filler = size - len(head) - len(tail) - count * len(record)

        def chunks() -> Iterator[bytes]:
            yield head
            block = record * 256
            left = count
            while left >= 256:
                yield block
                left -= 256
            yield record * left
            yield b" " * filler + tail

        return "application/json", size, chunks()
    raise ValueError(f"unknown hostile answer {kind!r}; one of {HOSTILE_KINDS}")
