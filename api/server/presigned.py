"""Client-signed appends: envelopes signed by their author, checked like any other.

The client signs v1 envelopes with its own key (the server never sees it). The
server reads them strictly, verifies every signature against the key registry
at the envelope's ``at``, turns them back into the journal command they record,
and runs that command through the same services and rules as the command line,
with the clock set to ``at``. The event store then signs with
:class:`PresignedSigner`, which hands back the client's signature only for the
exact signing input the rules produced: an envelope that differs in any field
from what the rules make of it is refused, naming the field. Nothing is
re-signed and nothing is written on any refusal.

Supported: a new lesson with its marks and absences (``journal.LessonHeld``
first, then ``journal.MarkRecorded`` entries, then ``journal.AbsenceRecorded``),
entries added to a recorded lesson, ``journal.MarkCorrected`` and
``journal.MarkVoided``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger.application import LedgerApplication, Signing
from ledger.domain.journal import Lesson
from ledger.envelope import EVENT_DOMAIN, Envelope, canonical, parse, parse_time
from ledger.errors import EnvelopeError, LedgerError
from ledger.records.journal import AbsenceInput, LessonInput, MarkInput
from ledger.records.office import SchoolRecords

MAX_ENVELOPES = 200
LESSON_HELD = "journal.LessonHeld"
MARK = "journal.MarkRecorded"
ABSENCE = "journal.AbsenceRecorded"
CORRECTED = "journal.MarkCorrected"
VOIDED = "journal.MarkVoided"
SUPPORTED = (
    "a new lesson (journal.LessonHeld, then its journal.MarkRecorded and "
    "journal.AbsenceRecorded), entries added to a recorded lesson, one "
    "journal.MarkCorrected, or one journal.MarkVoided"
)


class SubmissionError(EnvelopeError):
    """Submitted envelopes that cannot be appended; ``field`` names where."""

    def __init__(self, message: str, field: str, allowed: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.allowed = allowed


@dataclass(frozen=True)
class Submitted:
    """One submitted envelope, its canonical bytes and its domain event."""

    index: int
    envelope: Envelope
    data: bytes
    event: Any


def read_envelopes(objects: Sequence[Any], app: LedgerApplication) -> list[Submitted]:
    """Parse each envelope strictly and decode its event; SubmissionError if not."""
    if not 1 <= len(objects) <= MAX_ENVELOPES:
        msg = f"{len(objects)} envelopes sent; send 1 to {MAX_ENVELOPES}"
        raise SubmissionError(msg, "body.envelopes", f"1 to {MAX_ENVELOPES}")
    found = []
    for i, obj in enumerate(objects):
        where = f"body.envelopes.{i}"
        try:
            data = canonical(obj)
            envelope = parse(data)
            stored = StoredEvent(
                originator_id=UUID(envelope.stream),
                originator_version=envelope.seq,
                topic=envelope.type,
                state=data,
            )
            _, event = app.mapper.read(stored)
        except LedgerError as e:
            raise SubmissionError(f"envelope {i}: {e}", where) from e
        except (ValueError, TypeError, KeyError) as e:
            msg = f"envelope {i}: its data does not fit {obj.get('type')!r}: {e}"
            raise SubmissionError(msg, f"{where}.data") from e
        found.append(Submitted(i, envelope, data, event))
    return found


def check_common(
    found: Sequence[Submitted], *, origin: str, now: datetime, skew: timedelta
) -> datetime:
    """One log, one time within the allowed skew, one set of signers; the time."""
    first = found[0].envelope
    earliest, latest = now - skew, now + skew
    window = f"{_z(earliest)} to {_z(latest)}"
    for s in found:
        where = f"body.envelopes.{s.index}"
        e = s.envelope
        if e.log != origin:
            raise SubmissionError(
                f"envelope {s.index} is for log {e.log!r}", f"{where}.log", origin
            )
        if e.at != first.at:
            msg = f"envelope {s.index} has at {e.at}; one append has one time"
            raise SubmissionError(msg, f"{where}.at", first.at)
        if [g.key for g in e.sigs] != [g.key for g in first.sigs] or not e.sigs:
            msg = f"envelope {s.index} is signed by other keys than envelope 0"
            raise SubmissionError(msg, f"{where}.sigs", "the same signers in order")
    at = parse_time(first.at)
    if not earliest <= at <= latest:
        msg = (
            f"envelope time {first.at} is outside the allowed window {window} "
            f"(server time ± {int(skew.total_seconds())} s)"
        )
        raise SubmissionError(msg, "body.envelopes.0.at", window)
    return at


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class PresignedSigner:
    """A signer that signs nothing: it returns the client's signature for the
    exact signing input the client signed, and refuses any other input."""

    def __init__(self, key: str, found: Sequence[Submitted], position: int) -> None:
        self._key = key
        self._found = {(s.envelope.stream, s.envelope.seq): s for s in found}
        self._signatures = {
            s.envelope.signing_input(): s.envelope.sigs[position].raw for s in found
        }
        self.used = 0

    @property
    def key_id(self) -> str:
        return self._key

    def sign(self, message: bytes) -> bytes:
        signature = self._signatures.get(message)
        if signature is None:
            raise self._mismatch(message)
        self.used += 1
        return signature

    def _mismatch(self, message: bytes) -> SubmissionError:
        produced = json.loads(message[len(EVENT_DOMAIN) :])
        name = f"{produced['stream']}:{produced['seq']}"
        sent = self._found.get((produced["stream"], produced["seq"]))
        if sent is None:
            msg = (
                f"the rules record {produced['type']} as event {name}, which no "
                "submitted envelope holds"
            )
            return SubmissionError(msg, "body.envelopes", produced["type"])
        where = f"body.envelopes.{sent.index}"
        theirs = sent.envelope.unsigned_json()
        for field, value in _flat(produced):
            if _lookup(theirs, field) != value:
                msg = (
                    f"envelope {sent.index} ({name}): {field} is "
                    f"{_lookup(theirs, field)!r}; the rules make it {value!r}"
                )
                return SubmissionError(msg, f"{where}.{field}", json.dumps(value))
        msg = f"envelope {sent.index} ({name}) differs from what the rules make of it"
        return SubmissionError(msg, where)


def _flat(obj: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    for key, value in obj.items():
        if isinstance(value, dict) and value:
            pairs.extend(_flat(value, f"{prefix}{key}."))
        else:
            pairs.append((f"{prefix}{key}", value))
    return pairs


def _lookup(obj: dict[str, Any], path: str) -> Any:
    current: Any = obj
    for part in path.split("."):
        if not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    return current


def signing_of(found: Sequence[Submitted]) -> tuple[Signing, list[PresignedSigner]]:
    keys = [g.key for g in found[0].envelope.sigs]
    signers = [PresignedSigner(k, found, i) for i, k in enumerate(keys)]
    return Signing(signers[0], tuple(signers[1:])), signers


Command = Callable[[SchoolRecords, Signing], object]
"""Runs the recorded command; what it returns is not used (the appended
events are named from the submitted envelopes)."""


def command_of(found: Sequence[Submitted]) -> Command:
    """The journal command the envelopes record, or SubmissionError naming what is."""
    types = [s.envelope.type for s in found]
    streams = {s.envelope.stream for s in found}
    if types[0] == LESSON_HELD:
        return _lessons(found)
    if set(types) <= {MARK, ABSENCE} and len(streams) == 1:
        return _entries(found)
    if types in ([CORRECTED], [VOIDED]):
        return _fix(found[0])
    msg = f"event types {sorted(set(types))} cannot be sent client-signed as one append"
    raise SubmissionError(msg, "body.envelopes", SUPPORTED)


def _lessons(found: Sequence[Submitted]) -> Command:
    groups: list[list[Any]] = []
    for s in found:
        if s.envelope.type == LESSON_HELD:
            groups.append([s.event])
        elif s.envelope.type in (MARK, ABSENCE):
            groups[-1].append(s.event)  # the first envelope is a LessonHeld
        else:
            msg = f"envelope {s.index} ({s.envelope.type}) does not follow a lesson"
            raise SubmissionError(msg, f"body.envelopes.{s.index}.type", SUPPORTED)
    lessons = [_lesson_input(group) for group in groups]
    return lambda records, signing: records.journal.record_lessons(
        lessons, signed_by=signing
    )


def _lesson_input(events: list[Any]) -> LessonInput:
    held = events[0]
    marks, absences = _split(events[1:])
    return LessonInput(
        class_id=held.class_id,
        subject=held.subject,
        day=held.day,
        topic=held.topic,
        homework=held.homework,
        subgroup=held.subgroup,
        number=held.number,
        marks=tuple(marks),
        absences=tuple(absences),
    )


def _split(events: Sequence[Any]) -> tuple[list[MarkInput], list[AbsenceInput]]:
    marks = [
        MarkInput(e.pupil, e.mark, e.work_type)
        for e in events
        if isinstance(e, Lesson.MarkRecorded)
    ]
    absences = [
        AbsenceInput(e.pupil, e.kind)
        for e in events
        if isinstance(e, Lesson.AbsenceRecorded)
    ]
    return marks, absences


def _entries(found: Sequence[Submitted]) -> Command:
    lesson = UUID(found[0].envelope.stream)
    marks, absences = _split([s.event for s in found])
    return lambda records, signing: records.journal.record_entries(
        lesson, marks=marks, absences=absences, signed_by=signing
    )


def _fix(submitted: Submitted) -> Command:
    event = submitted.event
    if submitted.envelope.type == CORRECTED:
        return lambda records, signing: records.journal.correct_mark(
            event.corrects, mark=event.mark, reason=event.reason, signed_by=signing
        )
    return lambda records, signing: records.journal.void_entry(
        event.voids, reason=event.reason, signed_by=signing
    )
