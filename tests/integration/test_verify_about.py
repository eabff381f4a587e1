"""Findings a person can read (issue 15, item 6), on SQLite and PostgreSQL: a
mark changed in the events table is reported with what the entry was, from
its clear text: type in Russian, date, class, subject, the pupil's file
number, the value now stored and the value its signature was made over."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import pytest

from ledger.storage.stores import parse_store_url
from tests.support.marked import marked_school
from tests.support.rawsql import execute_as_superuser, rows
from tests.support.stores import Store
from verify.anchor import LogKey
from verify.report import Report
from verify.sources import open_store
from verify.verifier import Verifier


def audit(store: Store) -> Report:
    source = open_store(store.url)
    try:
        return Verifier(log_key=LogKey.from_key_directory(store.keys), workers=1).audit(
            source
        )
    finally:
        source.close()


def forge_a_three(store: Store) -> str:
    """Change Иванов's 3 of 2 October to a 5 behind the triggers; its name."""
    stream, seq, state = next(
        (s, v, st)
        for s, v, t, st in rows(store.url, store.admin_url)
        if t == "journal.MarkRecorded" and b'"mark":"3"' in st
    )
    stored_id: Any = UUID(stream) if parse_store_url(store.url).is_postgres else stream
    execute_as_superuser(
        store.url,
        store.admin_url,
        "UPDATE {table} SET state = ? WHERE originator_id = ? "
        "AND originator_version = ?",
        (state.replace(b'"mark":"3"', b'"mark":"5"'), stored_id, seq),
    )
    return f"{UUID(stream)}:{seq}"


def test_a_forged_mark_is_described_in_the_school_s_words(store: Store) -> None:
    marked = marked_school(store)
    name = forge_a_three(store)
    report = audit(store)
    signature = next(
        f for f in report.findings if f.event == name and f.kind == "signature"
    )
    assert signature.about is not None
    about = signature.about.to_json()
    assert about["kind"] == "отметка в журнале"
    assert about["type"] == "journal.MarkRecorded"
    assert about["date"] == "2024-10-02"
    assert about["class"] == "9А"
    assert about["subject"] == "math"
    pupil = marked.s.pupils[0]
    assert about["file_number"] == personal_file(store, str(pupil))
    assert about["value"] == "5"
    assert about["signed_value"] == "3"
    line = signature.line()
    assert "отметка в журнале от 02.10.2024, класс 9А, math" in line
    assert "значение «5», подписано «3»" in line
    listed = [f for f in report.to_json()["findings"] if f["event"] == name]
    assert all(f["about"]["kind"] == "отметка в журнале" for f in listed)


def personal_file(store: Store, pupil: str) -> str:
    for _, _, topic, state in rows(store.url, store.admin_url):
        envelope = json.loads(state)
        if topic == "people.StudentEnrolled" and envelope["stream"] == pupil:
            return str(envelope["data"]["personal_file"])
    pytest.fail(f"no enrolment of {pupil}")
