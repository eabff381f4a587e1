"""The evidence a report carries (digest, QR code, embedded JSON) and how its
tables go onto sheets, on report values built here (no store)."""

from __future__ import annotations

import json

from projections.reports.check import read_claim
from projections.reports.evidence import DIGEST, Evidence, canonical_form, digest_of
from projections.reports.model import Provenance, Report, Table
from projections.reports.paper import print_tables
from projections.reports.render import document, to_csv, to_html, to_json

PROVENANCE = Provenance(
    origin="letopis.test/school",
    tree_size=12,
    root="PXjXQi12RaLPkAYUBWIy/3/AqU+fRyfichx9AWB86KI=",
    checkpoint=None,
    latest_size=12,
)


def report(
    *rows: tuple[str, ...], columns: tuple[str, ...] = ("№", "Обучающийся")
) -> Report:
    return Report(
        name="journal",
        title="Классный журнал",
        header=(("Класс", "9А"),),
        tables=(Table("Отметки", columns, rows),),
        provenance=PROVENANCE,
        parameters={"class": "9А"},
    )


def test_the_digest_covers_the_content_not_itself_nor_the_advice() -> None:
    body = document(report(("1", "Иванов")))
    assert body[DIGEST] == digest_of(body)
    later = {**body, "provenance": {**body["provenance"], "verify": ["other"]}}
    assert digest_of(later) == body[DIGEST]  # how to verify is advice, not content
    changed = json.loads(json.dumps(body))
    changed["tables"][0]["rows"][0][1] = "Петров"
    assert digest_of(changed) != body[DIGEST]
    assert b'"digest"' not in canonical_form(body)


def test_every_format_names_the_same_checkpoint_and_digest() -> None:
    built = report(("1", "Иванов"))
    digest = document(built)[DIGEST]
    for body in (to_json(built), to_csv(built), to_html(built)):
        claim = read_claim(body)
        assert claim.evidence == Evidence(
            PROVENANCE.origin, PROVENANCE.tree_size, PROVENANCE.root, digest
        )
        assert claim.report == "journal"
        assert claim.parameters == {"class": "9А"}


def test_the_printed_forms_show_the_digest_and_a_qr_code() -> None:
    built = report(("1", "Иванов"))
    html = to_html(built).decode()
    evidence = Evidence.of(document(built))
    assert evidence.digest in html
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert evidence.qr_text().splitlines() == [
        "letopis-report",
        PROVENANCE.origin,
        "12",
        PROVENANCE.root,
        evidence.digest,
    ]


def test_no_cell_text_can_end_the_embedded_json() -> None:
    built = report(("1", "</script><script>alert(1)</script> & <!--"))
    html = to_html(built).decode()
    assert html.count("</script>") == 1  # the element's own end only
    claim = read_claim(html.encode())
    embedded = claim.shown[1].tables[0]["rows"][0][1]
    assert embedded == "</script><script>alert(1)</script> & <!--"


def test_a_wide_table_is_printed_in_parts_that_repeat_the_name_column() -> None:
    dates = tuple(f"{d:02d}.10" for d in range(1, 61))
    built = report(
        ("1", "Иванов", *("5" for _ in dates)), columns=("№", "Обучающийся", *dates)
    )
    parts = print_tables(built)
    assert len(parts) > 1
    assert all(p.columns[:2] == ("№", "Обучающийся") for p in parts)
    shown = [c for p in parts for c in p.columns[2:]]
    assert tuple(shown) == dates  # every column once, in order
    assert (
        parts[0].title == f"Отметки (столбцы 3–{2 + len(parts[0].columns) - 2} из 62)"
    )
    assert all(p.rows[0][:2] == ("1", "Иванов") for p in parts)
    narrow = report(("1", "Иванов"))
    assert print_tables(narrow) == narrow.tables
