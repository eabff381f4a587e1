"""The tombstone of a disposed entry and the subtree proofs of a year's archive,
as the verifier reads them (``verify.disposal``, ``verify.yearbag``)."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verify import merkle
from verify.disposal import (
    DisposalAct,
    DisposalError,
    act_problems,
    parse_tombstone,
    stored_envelope_hash,
    stored_leaf_hash,
    tombstone_for,
)
from verify.envelope import Envelope
from verify.retention import RetentionClass, RetentionPolicy

STREAM = "0b6e2d1c-7f4e-4a57-9e1d-2f0c7a9a1b22"
ACT = "5f0b1c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d:1"
ENVELOPE = (
    b'{"at":"2024-10-02T09:00:00.000000Z","data":{"mark":"4"},"log":"l",'
    b'"prev":"sha256:'
    + b"ab" * 32
    + b'","seq":3,"sigs":[],"stream":"'
    + STREAM.encode()
    + b'","type":"journal.MarkRecorded","v":1}'
)


def test_a_tombstone_keeps_the_leaf_hash_the_chain_and_the_place() -> None:
    stone = tombstone_for(ENVELOPE, ACT)
    read = parse_tombstone(stone)
    assert stored_leaf_hash(stone) == merkle.leaf_hash(ENVELOPE)
    assert stored_envelope_hash(stone) == (
        "sha256:" + hashlib.sha256(ENVELOPE).hexdigest()
    )
    assert (read.act, read.stream, read.seq, read.type) == (
        ACT,
        STREAM,
        3,
        "journal.MarkRecorded",
    )
    assert read.prev == "sha256:" + "ab" * 32
    assert read.recorded == "2024-10-02T09:00:00.000000Z"
    assert b'"mark"' not in stone  # nothing of the record stays
    assert stone.startswith(b'{"disposed":"')


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda v: {**v, "extra": 1}, "has the fields"),
        (lambda v: {**v, "leaf": "sha256:00"}, "leaf"),
        (lambda v: {**v, "disposed": "act 1"}, "the act's event"),
        (lambda v: {**v, "seq": 1}, "seq"),
        (lambda v: {**v, "v": 2}, "v 1"),
    ],
)
def test_a_malformed_tombstone_is_refused(change: object, says: str) -> None:
    value = json.loads(tombstone_for(ENVELOPE, ACT))
    changed = change(value)  # type: ignore[operator]
    text = json.dumps(changed, sort_keys=True, separators=(",", ":")).encode()
    with pytest.raises(DisposalError, match=says):
        parse_tombstone(text)


def test_a_tombstone_not_in_canonical_form_is_refused() -> None:
    stone = tombstone_for(ENVELOPE, ACT).replace(b",", b", ", 1)
    with pytest.raises(DisposalError, match="canonical"):
        parse_tombstone(stone)


JOURNAL = RetentionClass("journal", "Журнал", 5, "year_file", "", ("journal.*",))
POLICY = RetentionPolicy((JOURNAL,))


def _act(dated: date, closed_on: date, file: str = "2024/2025") -> DisposalAct:
    envelope = Envelope(
        "l",
        "5f0b1c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d",
        1,
        None,
        "archive.DisposalActApproved",
        f"{dated.isoformat()}T12:00:00.000000Z",
        {
            "dated": dated.isoformat(),
            "record_class": "journal",
            "files": [
                {"file": file, "closed_on": closed_on.isoformat(), "entries": [[3, 9]]}
            ],
        },
        (),
    )
    return DisposalAct.from_envelope(envelope, 40)


def test_an_act_is_judged_per_file_from_1_january_after_it_closed() -> None:
    closed = date(2025, 8, 31)
    assert act_problems(_act(date(2031, 1, 1), closed), POLICY) == []
    [early] = act_problems(_act(date(2030, 12, 31), closed), POLICY)
    assert "until 2031-01-01" in early
    [wrong] = act_problems(_act(date(2031, 1, 1), date(2025, 5, 31)), POLICY)
    assert "no school year closing on 2025-05-31" in wrong


@given(
    size=st.integers(min_value=1, max_value=300),
    data=st.data(),
)
def test_each_complete_subtree_of_a_range_is_proven_by_its_audit_path(
    size: int, data: st.DataObject
) -> None:
    """The year's archive proves a range of leaves by its complete subtrees:
    a leaf's audit path without its first ``level`` hashes, checked as an
    inclusion proof of the subtree's node in a tree ``2**level`` times smaller."""
    leaves = [hashlib.sha256(b"%d" % i).digest() for i in range(size)]
    first = data.draw(st.integers(min_value=0, max_value=size - 1))
    last = data.draw(st.integers(min_value=first, max_value=size - 1))
    levels = merkle.subtree_levels(leaves)
    root = merkle.root_from_leaf_hashes(leaves)

    def subtree(start: int, end: int) -> bytes:
        return merkle.root_from_leaf_hashes(leaves[start:end])

    for start, end in merkle.subtree_ranges(first, last + 1):
        level = (end - start).bit_length() - 1
        path = merkle.inclusion_proof(start, size, subtree)[level:]
        assert levels[level][start >> level] == subtree(start, end)
        merkle.verify_inclusion(
            start >> level, ((size - 1) >> level) + 1, subtree(start, end), path, root
        )
