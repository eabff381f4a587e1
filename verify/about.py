"""Findings a person can read: each finding about an entry says what it was.

After the checks, the verifier reads back the entries its listed findings
name (by their place in log order, through the same `Source.read` the checks
used) and describes each with `verify.names.describe_entry`: its type in
Russian, date, class, subject, pupil's file number and value, looked up in
the opening entries of its stream, of the pupil's personal file and of the
class where the entry itself does not say (`Source.read` of whole chunks;
what cannot be found is left out).

For an entry whose signature no longer verifies, the signature itself is the
evidence of what was signed: an attacker without the key can change the
bytes but not make a new signature. So the value is tried against the
signature with every other value of the scales and kinds the entry could have
held (`CANDIDATES`); a value that makes the signature verify is what the
signed entry said («подписано: 3»). A hash cannot be reversed, so beyond such
a short list nothing more can be told, and the finding says the signed value
is unknown.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from verify.crypto import signature_check
from verify.envelope import signing_input
from verify.names import About, describe_entry
from verify.registry import Registry
from verify.report import Finding
from verify.sources import Chunk, Source

__all__ = ["CANDIDATES", "describe_findings"]

#: values an entry's value field may have held: marks, credit, absences, exams
CANDIDATES = (
    *(str(n) for n in range(1, 6)),
    *(f"{n}{s}" for n in range(2, 6) for s in ("+", "-")),
    *(str(n) for n in range(0, 101)),
    "н/а",
    "зач",
    "незач",
    "зачёт",
    "незачёт",
    "осв",
    "неосв",
    "н",
    "б",
    "у",
    "п",
    "unexcused",
    "excused",
    "illness",
    "late",
)
#: findings described at most (reading them back costs a chunk read each)
LIMIT = 200


def describe_findings(
    findings: Sequence[Finding],
    ordinals: Sequence[int | None],
    source: Source,
    chunks: Sequence[Chunk],
    registry: Registry,
) -> list[Finding]:
    """``findings`` with ``about`` filled in where they concern one entry
    (``ordinals[i]``: the place in log order of ``findings[i]``'s entry)."""
    wanted = {o for o in ordinals[:LIMIT] if o is not None}
    if not wanted:
        return list(findings)
    reader = _Reader(source, chunks)
    states = reader.entries(wanted)
    described = []
    for finding, ordinal in zip(findings, ordinals, strict=True):
        state = states.get(ordinal) if ordinal is not None else None
        about = None if state is None else describe_entry(state, reader.opening)
        if about is not None and finding.kind == "signature":
            about = replace(about, signed=signed_value(state or b"", about, registry))
        described.append(finding if about is None else replace(finding, about=about))
    return described


def signed_value(state: bytes, about: About, registry: Registry) -> str | None:
    """The value the entry held when it was signed, if one of `CANDIDATES`
    makes its first signature verify again; None when none does."""
    if about.value is None or about.value_field is None:
        return None
    try:
        envelope = json.loads(state)
        sig = envelope["sigs"][0]
        info = registry.keys.get(sig["key"])
        signature = _b64(sig["sig"])
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    if info is None or signature is None:
        return None
    stored = json.dumps(about.value, ensure_ascii=False).encode()
    needle = f'"{about.value_field}":'.encode() + stored
    if state.count(needle) != 1:
        return None
    for candidate in CANDIDATES:
        if candidate == about.value:
            continue
        tried = needle.replace(
            stored, json.dumps(candidate, ensure_ascii=False).encode()
        )
        changed = state.replace(needle, tried)
        if signature_check(info.public_key, signature, signing_input(changed)):
            return candidate
    return None


def _b64(text: Any) -> bytes | None:
    try:
        return base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError):
        return None


class _Reader:
    """Entries by place in log order, and streams' opening entries, read back."""

    def __init__(self, source: Source, chunks: Sequence[Chunk]) -> None:
        self.source = source
        self.chunks = chunks
        self.openings: dict[str, dict[str, Any] | None] = {}
        self.index: dict[str, dict[str, Any]] | None = None

    def entries(self, ordinals: Iterable[int]) -> dict[int, bytes]:
        found: dict[int, bytes] = {}
        wanted = sorted(ordinals)
        for chunk in self._chunks_of(wanted):
            rows, _ = self.source.read(chunk)
            for n, row in enumerate(rows):
                if chunk.start + n in wanted:
                    found[chunk.start + n] = _bytes(row.state)
        return found

    def opening(self, stream: str) -> dict[str, Any] | None:
        """The data of ``stream``'s first entry (one pass over the log, once)."""
        if self.index is None:
            self.index = self._openings()
        return self.index.get(stream)

    def _openings(self) -> dict[str, dict[str, Any]]:
        """Every stream's opening data: read once, only when findings ask."""
        index: dict[str, dict[str, Any]] = {}
        for chunk in self.chunks:
            rows, _ = self.source.read(chunk)
            for row in rows:
                state = _bytes(row.state)
                if b'"seq":1,' not in state:
                    continue
                try:
                    envelope = json.loads(state)
                except ValueError:
                    continue
                data = envelope.get("data") if isinstance(envelope, dict) else None
                if envelope.get("seq") == 1 and isinstance(data, dict):
                    index[str(envelope.get("stream"))] = _small(data)
        return index

    def _chunks_of(self, ordinals: list[int]) -> list[Chunk]:
        return [
            c
            for i, c in enumerate(self.chunks)
            if any(c.start <= o < _end(self.chunks, i) for o in ordinals)
        ]


def _end(chunks: Sequence[Chunk], i: int) -> int:
    return chunks[i + 1].start if i + 1 < len(chunks) else 2**63


def _small(data: dict[str, Any]) -> dict[str, Any]:
    """What a description uses of an opening entry (not its sealed identity)."""
    keep = ("class_id", "class_name", "name", "subject", "day", "on", "personal_file")
    return {k: data[k] for k in keep if k in data}


def _bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode("utf-8", "surrogatepass")
