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


def test_a_year_file_is_kept_from_1_january_after_its_school_year() -> None:
    """The class's year journal closes on 31 August; archives count its five
    years from 1 January after (not from 31 August: four months later)."""
    journal = POLICY.classify("journal.MarkRecorded")
    assert POLICY.expiry(journal, date(2024, 5, 20)) == date(2030, 1, 1)
    assert POLICY.expiry(journal, date(2024, 8, 31)) == date(2030, 1, 1)
    assert POLICY.expiry(journal, date(2024, 9, 1)) == date(2031, 1, 1)
    summary = POLICY.classify("attestation.FinalGradeRecorded")
    assert POLICY.expiry(summary, date(2025, 6, 18)) == date(2051, 1, 1)


def test_the_book_does_not_fall_due_while_it_is_open() -> None:
    book = POLICY.classify("attestat.AttestatIssued")
    assert POLICY.expiry(book, date(2024, 6, 25)) is None
    assert POLICY.closes(book, "attestat.BookClosed")
    assert not POLICY.closes(book, "attestat.AttestatIssued")
    assert POLICY.expiry_after_leaving(book, date(2030, 3, 1)) == date(2081, 1, 1)
    assert (
        POLICY.expiry(POLICY.classify("trust.SignerKeyRevoked"), date(2024, 1, 1))
        is None
    )


def test_a_personal_file_is_kept_from_1_january_after_the_pupil_left() -> None:
    files = POLICY.classify("people.StudentEnrolled")
    assert POLICY.expiry(files, date(2020, 9, 1)) is None
    assert POLICY.closes(files, "people.StudentLeft")
    assert POLICY.expiry_after_leaving(files, date(2024, 6, 30)) == date(2028, 1, 1)


OLD_CLOCKS = """
[[class]]
name = "journal"
keep_years = 5
clock = "school_year_end"
types = ["journal.*"]
[[class]]
name = "book"
keep_years = 50
clock = "entry_date"
types = ["attestat.*"]
[[class]]
name = "files"
keep_years = 3
clock = "leaving_date"
types = ["people.*"]
"""


def test_the_clocks_of_earlier_policies_still_count_as_they_did() -> None:
    old = RetentionPolicy.from_toml(OLD_CLOCKS)
    journal, book, files = range(3)
    assert old.expiry(journal, date(2024, 5, 20)) == date(2029, 8, 31)
    assert old.expiry(journal, date(2024, 9, 1)) == date(2030, 8, 31)
    assert old.expiry(book, date(2024, 6, 25)) == date(2074, 6, 25)
    assert old.closes(files, "people.StudentLeft")
    assert old.expiry_after_leaving(files, date(2024, 6, 30)) == date(2027, 6, 30)


def test_29_february_moves_to_28_february() -> None:
    assert add_years(date(2024, 2, 29), 5) == date(2029, 2, 28)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[[class]]\nname='x'\nkeep_years=-1\nclock='never'\ntypes=[]", "keep_years"),
        ("[[class]]\nname='x'\nkeep_years=1\nclock='later'\ntypes=[]", "clock"),
        ("school_year_ends='13-01'", "school_year_ends"),
        (
            "[[class]]\nname='x'\nkeep_years=1\nclock='file_closed'\ntypes=[]",
            "closed_by",
        ),
        ("[[class", "not TOML"),
    ],
)
def test_a_malformed_policy_is_named(text: str, named: str) -> None:
    with pytest.raises(PolicyError, match=named):
        RetentionPolicy.from_toml(text)
