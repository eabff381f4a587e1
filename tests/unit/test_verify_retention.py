"""Retention classes: the first match wins, clocks start where the policy says."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import ledger
from verify.policy import PolicyError
from verify.retention import RetentionPolicy, add_years

POLICY = RetentionPolicy.load(
    Path(ledger.__file__).parent / "policies" / "retention.toml"
)


@pytest.mark.parametrize(
    ("event_type", "name"),
    [
        ("attestat.AttestatIssued", "attestat_book"),
        ("attestation.FinalGradeRecorded", "summary"),
        ("attestation.RetakeRecorded", "protocols"),
        ("people.StudentLeft", "personal_file"),
        ("people.StaffMemberRegistered", "trust"),
        ("journal.MarkRecorded", "journal"),
        ("trust.SignerKeyRegistered", "trust"),
        ("test.NoteWritten", "unclassified"),
    ],
)
def test_the_first_matching_class_wins(event_type: str, name: str) -> None:
    assert POLICY.names[POLICY.classify(event_type)] == name


def test_the_school_year_clock_starts_on_31_august() -> None:
    journal = POLICY.classify("journal.MarkRecorded")
    assert POLICY.expiry(journal, date(2024, 5, 20)) == date(2029, 8, 31)
    assert POLICY.expiry(journal, date(2024, 8, 31)) == date(2029, 8, 31)
    assert POLICY.expiry(journal, date(2024, 9, 1)) == date(2030, 8, 31)


def test_the_entry_date_clock_and_the_never_clock() -> None:
    book = POLICY.classify("attestat.AttestatIssued")
    assert POLICY.expiry(book, date(2024, 6, 25)) == date(2074, 6, 25)
    assert (
        POLICY.expiry(POLICY.classify("trust.SignerKeyRevoked"), date(2024, 1, 1))
        is None
    )


def test_the_leaving_clock_runs_only_from_leaving() -> None:
    files = POLICY.classify("people.StudentEnrolled")
    assert POLICY.expiry(files, date(2020, 9, 1)) is None
    assert POLICY.expiry_after_leaving(files, date(2024, 6, 30)) == date(2027, 6, 30)


def test_29_february_moves_to_28_february() -> None:
    assert add_years(date(2024, 2, 29), 5) == date(2029, 2, 28)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[[class]]\nname='x'\nkeep_years=-1\nclock='never'\ntypes=[]", "keep_years"),
        ("[[class]]\nname='x'\nkeep_years=1\nclock='later'\ntypes=[]", "clock"),
        ("school_year_ends='13-01'", "school_year_ends"),
        ("[[class", "not TOML"),
    ],
)
def test_a_malformed_policy_is_named(text: str, named: str) -> None:
    with pytest.raises(PolicyError, match=named):
        RetentionPolicy.from_toml(text)
