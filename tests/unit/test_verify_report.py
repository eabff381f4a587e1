"""The report: its JSON shape (DESIGN §7) and what a person reads."""

from __future__ import annotations

from verify.report import Finding, LogIntegrityError, Report, RetentionRow


def _report(*findings: Finding) -> Report:
    return Report(
        source="sqlite:///school.db",
        origin="letopis.test/s",
        anchor_key="ab" * 16,
        anchor_source="key directory keys (log.pub)",
        anchor_independent=True,
        tree_size=3,
        root=b"\x00" * 32,
        checked={"entries": 3, "signatures": 3},
        retention=(
            RetentionRow(
                "journal",
                "Электронный журнал",
                5,
                "school_year_end",
                "§7.3.6",
                3,
                3 - len(findings),
                "2024-09-02T08:00:00.000000Z",
                "2030-08-31",
                0,
            ),
        ),
        findings=findings,
    )


def test_the_json_object_has_the_contracted_fields() -> None:
    found = Finding("signature", "0b6e2d1c-7f4e-4a57-9e1d-2f0c7a9a1b22:2", 1, "bad")
    shape = _report(found).to_json()
    assert set(shape) >= {"ok", "tree_size", "root", "checked", "retention", "findings"}
    assert shape["ok"] is False
    assert shape["root"] == "A" * 43 + "="
    assert shape["retention"] == [
        {
            "class": "journal",
            "events": 3,
            "intact": 2,
            "oldest": "2024-09-02T08:00:00.000000Z",
            "expires": "2030-08-31",
            "due_for_disposal": 0,
            "disposed": 0,
        }
    ]
    assert shape["findings"] == [
        {"kind": "signature", "event": found.event, "position": 1, "detail": "bad"}
    ]


def test_a_person_reads_a_table_and_a_verdict() -> None:
    assert "INTACT" in _report().text()
    text = _report(Finding("root", None, None, "differs")).text()
    assert "journal" in text
    assert "PROBLEMS FOUND: 1 finding." in text


def test_the_error_names_the_first_findings() -> None:
    error = LogIntegrityError(_report(Finding("leaf", "s:1", 4, "moved")))
    assert "leaf 4" in str(error)
    assert error.report.problems == 1
