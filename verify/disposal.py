"""Disposal by act (DESIGN §6; §7.3.4: the expert commission; issue 16).

When files' retention has run out, the expert commission approves an act
(``archive.DisposalActApproved``, co-signed by its members as the signing
policy requires) naming the record class, the files (дела) and the log
entries of those files to dispose of, and the personal files selected for
keeping. The owner role then replaces the stored bytes of exactly those
entries by their **tombstone**, in RFC 8785 canonical form::

    {"disposed":"<act stream>:<seq>","envelope":"sha256:<hex>",
     "leaf":"sha256:<hex>","prev":<the envelope's prev>,
     "recorded":"<the envelope's at>","seq":<n>,"stream":"<uuid>",
     "type":"<event type>","v":1}

A tombstone keeps what the log's structure needs and nothing of the record:
the leaf hash (so the Merkle tree, every checkpoint and every proof stay as
they were), the hash of the envelope (what the stream's next ``prev`` names),
the envelope's own ``prev``, its place, type and time; and it names the act.
Its first member sorts first, so ``{"disposed":"`` tells it from an envelope
(``{"at":"``) at a glance.

The verifier accepts a tombstone only where a valid act covers its leaf:
signed as the signing policy in force requires (checked by the verifier's
registry), dated no later than it was recorded, for a class whose retention
is counted per file (``year_file``, ``file_closed``), every file's retention
run out by the act's date under the retention policy in force at the act,
the entry of that class and file and not of a file kept. Anything else is a
finding; so is an act that names an entry (still present) of another class
or file.

This module is the one definition of both formats for the writer and the
verifier: the writer makes tombstones with `tombstone_for` and reads stored
bytes with `stored_leaf_hash` and `stored_envelope_hash`, as it borrows
``verify.merkle``.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import re
from collections.abc import Iterable
from datetime import date
from typing import Any, NamedTuple

from verify.canonical import CanonicalError, decode_canonical, jcs
from verify.envelope import Envelope, EnvelopeError, parse_envelope, signing_input
from verify.errors import VerificationError
from verify.registry import Registry, TrustRow, check_signers
from verify.retention import RetentionPolicy, file_expiry

__all__ = [
    "ACT_MARK",
    "ACT_TYPE",
    "PER_FILE_CLOCKS",
    "TOMBSTONE_PREFIX",
    "Cover",
    "DisposalAct",
    "DisposalError",
    "Disposals",
    "DisposedFile",
    "Tombstone",
    "act_problems",
    "is_tombstone",
    "named_problem",
    "parse_tombstone",
    "read_acts",
    "stored_envelope_hash",
    "stored_leaf_hash",
    "tombstone_for",
    "year_file_closes",
]

TOMBSTONE_PREFIX = b'{"disposed":"'
ACT_TYPE = "archive.DisposalActApproved"
ACT_MARK = b'"type":"archive.DisposalActApproved"'
"""How an act's stored bytes are found without parsing every entry."""
PER_FILE_CLOCKS = ("year_file", "file_closed")
"""Retention clocks that count per file: the only classes an act disposes of."""

_FIELDS = (
    "disposed",
    "envelope",
    "leaf",
    "prev",
    "recorded",
    "seq",
    "stream",
    "type",
    "v",
)
_SHA256 = re.compile(r"sha256:[0-9a-f]{64}")
_NAME = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_EVENT = re.compile(_NAME.pattern + r":[1-9][0-9]{0,18}")
_YEAR = re.compile(r"([0-9]{4})/([0-9]{4})")


class DisposalError(VerificationError):
    """A tombstone or an act is malformed; the message says what is wrong."""


class Tombstone(NamedTuple):
    """What stays of a disposed entry (see the module docstring)."""

    act: str
    envelope: str
    leaf: bytes
    prev: str | None
    recorded: str
    seq: int
    stream: str
    type: str

    @property
    def name(self) -> str:
        """``<stream>:<seq>`` of the disposed entry."""
        return f"{self.stream}:{self.seq}"

    def as_envelope(self, log: str) -> Envelope:
        """Its place, type and time as an envelope without data or signatures,
        for the checks of columns, leaves and chains that need no more."""
        return Envelope(
            log, self.stream, self.seq, self.prev, self.type, self.recorded, {}, ()
        )


def is_tombstone(state: bytes) -> bool:
    """Whether stored bytes are a tombstone (not an envelope)."""
    return state.startswith(TOMBSTONE_PREFIX)


def tombstone_for(envelope: bytes, act: str) -> bytes:
    """The tombstone that replaces the stored ``envelope`` under ``act``."""
    value = json.loads(envelope)
    stone = {
        "disposed": act,
        "envelope": "sha256:" + hashlib.sha256(envelope).hexdigest(),
        "leaf": "sha256:" + hashlib.sha256(b"\x00" + envelope).hexdigest(),
        "prev": value["prev"],
        "recorded": value["at"],
        "seq": value["seq"],
        "stream": value["stream"],
        "type": value["type"],
        "v": 1,
    }
    return jcs(stone).encode()


def parse_tombstone(state: bytes) -> Tombstone:
    """Read a tombstone strictly; DisposalError names what is wrong."""
    try:
        value = decode_canonical(state)
    except CanonicalError as e:
        msg = f"the tombstone is not canonical JSON: {e}"
        raise DisposalError(msg) from e
    if not isinstance(value, dict) or tuple(sorted(value)) != _FIELDS:
        shown = sorted(value) if isinstance(value, dict) else type(value).__name__
        msg = f"a tombstone has the fields {', '.join(_FIELDS)}, not {shown}"
        raise DisposalError(msg)
    _require(value, "disposed", _EVENT, "the act's event <stream>:<seq>")
    _require(value, "envelope", _SHA256, "sha256:<64 hex>")
    _require(value, "leaf", _SHA256, "sha256:<64 hex>")
    _require(value, "stream", _NAME, "a lowercase UUID")
    prev, seq = value["prev"], value["seq"]
    if prev is not None and not (isinstance(prev, str) and _SHA256.fullmatch(prev)):
        msg = f"the tombstone's prev {prev!r} is neither null nor sha256:<64 hex>"
        raise DisposalError(msg)
    if type(seq) is not int or seq < 1 or (seq == 1) != (prev is None):
        msg = f"the tombstone's seq {seq!r} is not a place its prev allows"
        raise DisposalError(msg)
    if value["v"] != 1 or not isinstance(value["type"], str):
        msg = "a tombstone has v 1 and names its entry's type"
        raise DisposalError(msg)
    if not isinstance(value["recorded"], str) or len(value["recorded"]) < 20:
        msg = f"the tombstone's recorded {value['recorded']!r} is not a UTC time"
        raise DisposalError(msg)
    return Tombstone(
        value["disposed"],
        value["envelope"],
        bytes.fromhex(value["leaf"][7:]),
        prev,
        value["recorded"],
        seq,
        value["stream"],
        value["type"],
    )


def _require(
    value: dict[str, Any], name: str, pattern: re.Pattern[str], what: str
) -> None:
    found = value[name]
    if not isinstance(found, str) or not pattern.fullmatch(found):
        msg = f"the tombstone's {name} {found!r} is not {what}"
        raise DisposalError(msg)


def stored_leaf_hash(state: bytes) -> bytes:
    """The Merkle leaf hash of stored bytes: SHA-256(0x00 ‖ bytes) of an
    envelope, the kept leaf hash of a tombstone."""
    if is_tombstone(state):
        return parse_tombstone(state).leaf
    return hashlib.sha256(b"\x00" + state).digest()


def stored_envelope_hash(state: bytes) -> str:
    """``sha256:<hex>`` of the envelope the stored bytes are or were: what the
    next entry of the stream names as its ``prev``."""
    if is_tombstone(state):
        return parse_tombstone(state).envelope
    return "sha256:" + hashlib.sha256(state).hexdigest()


# -- the act ----------------------------------------------------------------------


class DisposedFile(NamedTuple):
    """One file of an act: its name (a school year ``2024/2025`` or a stream
    id), the day it was closed, and its entries as ranges of leaf indexes."""

    file: str
    closed_on: date
    entries: tuple[tuple[int, int], ...]


class DisposalAct(NamedTuple):
    """An act as the verifier reads it from its envelope."""

    name: str
    order: int
    at: date
    dated: date
    record_class: str
    files: tuple[DisposedFile, ...]
    kept: frozenset[str]

    @classmethod
    def from_envelope(cls, envelope: Envelope, order: int) -> DisposalAct:
        """The act in ``envelope`` (stored at log order ``order``)."""
        data = envelope.data
        try:
            files = tuple(_file(f) for f in data["files"])
            kept = frozenset(str(k["file"]) for k in data.get("kept", ()))
            return cls(
                envelope.name,
                order,
                date.fromisoformat(envelope.at[:10]),
                date.fromisoformat(data["dated"]),
                str(data["record_class"]),
                files,
                kept,
            )
        except (KeyError, TypeError, ValueError) as e:
            msg = f"act {envelope.name} does not read as a disposal act ({e!r})"
            raise DisposalError(msg) from e


def _file(raw: dict[str, Any]) -> DisposedFile:
    entries = tuple((int(a), int(b)) for a, b in raw["entries"])
    return DisposedFile(str(raw["file"]), date.fromisoformat(raw["closed_on"]), entries)


def year_file_closes(retention: RetentionPolicy, label: str) -> date | None:
    """The day the year file ``2024/2025`` closes (the school year's end), or
    None if ``label`` is not a school year."""
    found = _YEAR.fullmatch(label)
    if found is None or int(found[2]) != int(found[1]) + 1:
        return None
    month, day = retention.school_year_ends
    return date(int(found[2]), month, day)


def act_problems(act: DisposalAct, retention: RetentionPolicy | None) -> list[str]:
    """What makes ``act`` no ground for disposal: a date after its entry, a
    class not counted per file, malformed ranges, a file whose retention had
    not run out by the act's date (under ``retention``, the policy in force
    at the act)."""
    problems = []
    if act.dated > act.at:
        problems.append(f"it is dated {act.dated}, after it was recorded ({act.at})")
    found = None
    if retention is not None:
        found = next((c for c in retention.classes if c.name == act.record_class), None)
    if found is None or found.clock not in PER_FILE_CLOCKS:
        clock = "no class" if found is None else f"clock {found.clock}"
        problems.append(
            f"it disposes of class {act.record_class!r} ({clock} in the retention "
            f"policy in force); an act disposes of a class counted per file "
            f"({', '.join(PER_FILE_CLOCKS)})"
        )
        return problems
    assert retention is not None
    problems += _range_problems(act)
    for file in act.files:
        closes = file.closed_on
        if found.clock == "year_file":
            year_end = year_file_closes(retention, file.file)
            if year_end is None or year_end != closes:
                problems.append(
                    f"file {file.file!r} is no school year closing on {closes}"
                )
                continue
        ends = file_expiry(closes, found.keep_years)
        if ends > act.dated:
            problems.append(
                f"file {file.file} (closed {closes}) is kept {found.keep_years} "
                f"years from 1 January {closes.year + 1}, until {ends}: its "
                f"retention had not run out by the act's date {act.dated}"
            )
    return problems


def _range_problems(act: DisposalAct) -> list[str]:
    ranges = sorted(r for f in act.files for r in f.entries)
    for first, last in ranges:
        if not 0 <= first <= last:
            return [f"its entries [{first}, {last}] are not a range of leaf indexes"]
    for (_, last), (first, _) in itertools.pairwise(ranges):
        if first <= last:
            return [f"its entries name leaf {first} twice"]
    return []


def read_acts(
    rows: Iterable[TrustRow], registry: Registry, origin: str
) -> tuple[Disposals, list[tuple[str, str]]]:
    """The valid disposal acts among candidate rows, and (name, why) of each
    act that is signed but no ground for disposal.

    An act counts when it is an ``archive.DisposalActApproved`` of this log,
    signed as the signing policy in force requires (`check_signers`; an act
    signed wrongly is reported where it stands, by the main pass) and
    `act_problems` finds nothing under the retention policy in force at it.
    """
    valid = []
    refused = []
    for order, stored in rows:
        try:
            envelope = parse_envelope(stored)
        except EnvelopeError:
            continue
        if envelope.type != ACT_TYPE or envelope.log != origin:
            continue
        message = signing_input(stored)
        if check_signers(envelope, message, order, registry, registry.policies):
            continue
        try:
            act = DisposalAct.from_envelope(envelope, order)
        except DisposalError as e:
            refused.append((envelope.name, str(e)))
            continue
        retention = registry.policies.retention_in_force(order)
        problems = act_problems(act, retention)
        if problems or retention is None:
            why = "; ".join(problems or ["the log holds no retention policy"])
            refused.append(
                (act.name, f"disposal act {act.name} is no ground for disposal: {why}")
            )
            continue
        valid.append((act, retention))
    return Disposals(valid), refused


class Cover(NamedTuple):
    """The valid act that covers an entry, its file, and the retention policy
    in force at the act."""

    act: DisposalAct
    file: DisposedFile
    retention: RetentionPolicy


class Disposals:
    """The valid acts of a log, by the leaf indexes they cover."""

    def __init__(self, acts: Iterable[tuple[DisposalAct, RetentionPolicy]]) -> None:
        spans: list[tuple[int, int, Cover]] = []
        for act, retention in acts:
            for file in act.files:
                spans += [(a, b, Cover(act, file, retention)) for a, b in file.entries]
        spans.sort(key=lambda s: (s[0], s[1]))
        self._firsts = [s[0] for s in spans]
        self._spans = spans

    def __bool__(self) -> bool:
        return bool(self._spans)

    def covering(self, ordinal: int) -> Cover | None:
        """The act covering leaf ``ordinal``, if any."""
        at = bisect.bisect_right(self._firsts, ordinal) - 1
        if at < 0:
            return None
        first, last, cover = self._spans[at]
        return cover if first <= ordinal <= last else None

    def tombstone_problem(self, ordinal: int, stone: Tombstone) -> str | None:
        """Why the tombstone at leaf ``ordinal`` is not accepted, or None."""
        cover = self.covering(ordinal)
        if cover is None:
            return (
                f"its payload was removed (a tombstone naming act {stone.act}), but "
                f"no valid disposal act covers leaf {ordinal}: a missing payload is "
                "accepted only under a signed act whose retention had run out"
            )
        if cover.act.name != stone.act:
            return (
                f"its tombstone names act {stone.act}, but leaf {ordinal} is "
                f"covered by act {cover.act.name}"
            )
        return named_problem(cover, stone.type, stone.stream, stone.recorded)


def named_problem(cover: Cover, kind: str, stream: str, at: str) -> str | None:
    """What the act covering an entry says of it that is not so: another class,
    another file, or a file the act keeps; None if all agrees."""
    act, file, retention = cover
    index = retention.classify(kind)
    found = retention.names[index]
    if found != act.record_class:
        return (
            f"act {act.name} disposes of class {act.record_class}, but this entry "
            f"({kind}) is of class {found}"
        )
    if stream in act.kept:
        return f"act {act.name} keeps the file {stream}, yet covers this entry"
    if retention.clock(index) == "year_file":
        closes = retention.year_end(date.fromisoformat(at[:10]))
        if closes != file.closed_on:
            return (
                f"act {act.name} names it in the year file {file.file}, but it was "
                f"recorded on {at[:10]}, in the school year ending {closes}"
            )
    elif stream != file.file:
        return (
            f"act {act.name} names it in file {file.file}, but it is an entry of "
            f"file {stream}"
        )
    return None
