"""The attestat book as Приказ Минпросвещения № 546 requires, on SQLite and
PostgreSQL: current-form blanks (14 digits, no series), the blanks' stock
(received, issued, spoiled, on hand), alphabetical class lists with late
entries at the end, the class's certification, duplicates with their own
grades, and the two reports. Every refusal names what is wrong and what is
allowed, and writes nothing (``rejected`` compares every stored row)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from ledger.domain.attestat import (
    AttestatBook,
    Blank,
    BlankKind,
    DuplicateCause,
    Recipient,
)
from ledger.domain.attestation import Protocol
from ledger.domain.errors import (
    AlphabeticalOrderError,
    AttestatError,
    AuthorityError,
    BlankError,
    BlankStockError,
    InvalidRecordError,
    MissingFinalGradesError,
)
from ledger.domain.final_grades import FinalGrades
from ledger.domain.ids import attestat_book_id, final_grades_id
from ledger.domain.school import Level
from ledger.errors import PolicyError
from ledger.log import Sealer
from ledger.records.attestats import AttestatRequest
from projections.reports import render
from tests.support.marked import IVANOV, KUZNETSOV, SMIRNOVA
from tests.support.records import rejected
from tests.support.school import (
    ISSUED_ON,
    SmallSchool,
    build,
    graduate,
    stock_blanks,
)
from tests.support.stores import Store

ORDER = Protocol("45-о", ISSUED_ON)
TITLE = ("10224000012345", "10224000012346", "10224000012347", "10224000012348")
SUPPLEMENT = ("10225000054321", "10225000054322")


@pytest.fixture
def school(store: Store) -> SmallSchool:
    return build(store)


def _issue(
    s: SmallSchool, *requests: AttestatRequest, late_reason: str = ""
) -> list[int]:
    return s.records.attestats.issue(
        class_id=s.klass("9А"),
        requests=list(requests),
        order=ORDER,
        issued_on=ISSUED_ON,
        signed_by=s.signing("maths", "director"),
        late_reason=late_reason,
    )


def _book(s: SmallSchool) -> AttestatBook:
    found = s.records.context.load(
        AttestatBook, attestat_book_id(s.school, Level.BASIC.value)
    )
    assert found is not None
    return found


def _report(s: SmallSchool, name: str, **params: str) -> Any:
    Sealer(s.app).seal()
    return json.loads(render(s.app, name, params, "json").body)


def _rows(document: Any, title: str) -> list[dict[str, str]]:
    for t in document["tables"]:
        if t["title"].startswith(title):
            return [dict(zip(t["columns"], r, strict=True)) for r in t["rows"]]
    raise AssertionError(f"no table {title!r}")


def test_a_current_form_blank_of_14_digits_is_accepted(school: SmallSchool) -> None:
    ivanov = school.pupils[0]
    graduate(school, ivanov)
    stock_blanks(school, TITLE[0])
    stock_blanks(school, SUPPLEMENT[0], kind=BlankKind.SUPPLEMENT)
    request = AttestatRequest(
        ivanov, Blank.parse(TITLE[0]), supplement=Blank.current(SUPPLEMENT[0])
    )
    assert _issue(school, request) == [1]
    assert _book(school).entries["1"]["blank"] == TITLE[0]
    row = _rows(_report(school, "attestat-book", level="basic"), "Записи")[0]
    assert row["Номер бланка аттестата"] == TITLE[0]
    assert row["Номер бланка приложения"] == SUPPLEMENT[0]
    assert row["Фамилия, имя, отчество выпускника"] == IVANOV
    assert row["Дата рождения"] == "01.03.2009"
    assert row["Получил"] == "выпускник"


@pytest.mark.parametrize("written", ["1022400001234", "09 10224000012345", "09-1"])
def test_a_malformed_blank_is_refused_naming_the_allowed_forms(
    school: SmallSchool, written: str
) -> None:
    rejected(
        school,
        InvalidRecordError,
        r"has no known form; allowed: the current form \(Приказ № 545\): 14 digits "
        r"and no series, .*an older form: a series of up to 10 letters or digits",
        lambda: stock_blanks(school, written),
    )


def test_a_blank_not_in_stock_is_refused(school: SmallSchool) -> None:
    ivanov = school.pupils[0]
    graduate(school, ivanov)
    stock_blanks(school, TITLE[1])
    rejected(
        school,
        BlankStockError,
        rf"attestat blank {TITLE[0]} was not received into this book's stock "
        rf"\(1 on hand: {TITLE[1]}\); record the receipt of blanks",
        lambda: _issue(school, AttestatRequest(ivanov, Blank.parse(TITLE[0]))),
    )
    rejected(
        school,
        BlankStockError,
        rf"supplement blank {SUPPLEMENT[0]} was not received",
        lambda: _issue(
            school,
            AttestatRequest(
                ivanov,
                Blank.parse(TITLE[1]),
                supplement=Blank.parse(SUPPLEMENT[0]),
            ),
        ),
    )
    rejected(
        school,
        BlankStockError,
        rf"blanks {TITLE[1]} were received already",
        lambda: stock_blanks(school, TITLE[1], level=Level.SECONDARY),
    )


def test_a_spoiled_blank_cannot_be_issued(school: SmallSchool) -> None:
    ivanov = school.pupils[0]
    graduate(school, ivanov)
    stock_blanks(school, TITLE[0], TITLE[1])
    school.records.attestats.spoil_blank(
        level=Level.BASIC,
        blank=Blank.parse(TITLE[0]),
        reason="ошибка при заполнении",
        signed_by=school.signing("secretary"),
    )
    rejected(
        school,
        BlankError,
        rf"blank {TITLE[0]} was used already \(spoiled\); every blank number is "
        "used once",
        lambda: _issue(school, AttestatRequest(ivanov, Blank.parse(TITLE[0]))),
    )
    assert school.records.attestats.blanks_on_hand(Level.BASIC, BlankKind.TITLE) == [
        TITLE[1]
    ]


def test_blank_receipts_by_the_secretary_or_director_with_the_invoice(
    school: SmallSchool,
) -> None:
    school.clock.set(ISSUED_ON)

    def receive(by: str, invoice: str) -> None:
        school.records.attestats.receive_blanks(
            level=Level.BASIC,
            kind=BlankKind.TITLE,
            blanks=[Blank.parse(TITLE[0])],
            invoice=invoice,
            received_on=date(2025, 6, 1),
            signed_by=school.signing(by),
        )

    rejected(
        school,
        PolicyError,
        r"may not sign attestat.BlanksReceived; allowed roles: director, secretary",
        lambda: receive("maths", "накладная № 1"),
    )
    rejected(
        school,
        InvalidRecordError,
        r"names the invoice or act",
        lambda: receive("secretary", " "),
    )
    receive("director", "акт приёма-передачи № 3 от 01.06.2025")


def test_a_class_is_entered_alphabetically_and_late_entries_go_at_the_end(
    school: SmallSchool,
) -> None:
    ivanov, smirnova, kuznetsov = school.pupils
    for pupil in school.pupils:
        graduate(school, pupil)
    stock_blanks(school, *TITLE)

    def request(pupil: Any, n: int) -> AttestatRequest:
        return AttestatRequest(pupil, Blank.parse(TITLE[n]))

    rejected(
        school,
        AlphabeticalOrderError,
        rf"graduates of 9А are not in alphabetical order: pupil {kuznetsov} sorts "
        rf"before pupil {smirnova}",
        lambda: _issue(
            school, request(ivanov, 0), request(smirnova, 1), request(kuznetsov, 2)
        ),
    )
    assert _issue(school, request(ivanov, 0), request(smirnova, 1)) == [1, 2]
    rejected(
        school,
        AlphabeticalOrderError,
        rf"pupil {kuznetsov} sorts before the last graduate of 9А already in the "
        r"book; the class's list is closed: enter a late attestat at the end",
        lambda: _issue(school, request(kuznetsov, 2)),
    )
    late = "ГИА сдана в дополнительные сроки"
    assert _issue(school, request(kuznetsov, 2), late_reason=late) == [3]
    rows = _rows(_report(school, "attestat-book", level="basic"), "Записи")
    assert [r["Фамилия, имя, отчество выпускника"] for r in rows] == [
        IVANOV,
        SMIRNOVA,
        KUZNETSOV,
    ]
    assert rows[2]["Вид записи"] == f"аттестат (выдан позже списка класса: {late})"


def test_a_class_is_certified_by_its_class_teacher_and_the_director(
    school: SmallSchool,
) -> None:
    ivanov = school.pupils[0]
    graduate(school, ivanov)
    stock_blanks(school, TITLE[0])

    def certify(*signers: str) -> tuple[int, ...]:
        return school.records.attestats.certify(
            class_id=school.klass("9А"),
            certified_on=ISSUED_ON,
            signed_by=school.signing(*signers),
        )

    rejected(
        school,
        AttestatError,
        r"9А has no uncertified entries in this book \(the book has no entries yet\)",
        lambda: certify("maths", "director"),
    )
    _issue(school, AttestatRequest(ivanov, Blank.parse(TITLE[0])))
    rejected(
        school,
        AuthorityError,
        r"the certification of entries of 9А are made by its class teacher",
        lambda: certify("russian", "director"),
    )
    rejected(
        school,
        PolicyError,
        r"attestat.ClassEntriesCertified needs a co-signature by the director",
        lambda: certify("maths", "deputy"),
    )
    before = _rows(_report(school, "attestat-book", level="basic"), "Заверение")
    assert [
        (r["Класс"], r["Записи №"], r["Классный руководитель"]) for r in before
    ] == [("9А", "1", "не заверены")]
    assert certify("maths", "director") == (1,)
    after = _rows(_report(school, "attestat-book", level="basic"), "Заверение")
    assert [(r["Класс"], r["Записи №"], r["Дата"]) for r in after] == [
        ("9А", "1", "25.06.2025")
    ]
    assert after[0]["Директор"].startswith("Директор")


def test_duplicates_carry_the_originals_or_the_corrected_grades(
    school: SmallSchool,
) -> None:
    ivanov = school.pupils[0]
    graduate(school, ivanov, {"rus": "4", "math": "5", "hist": "5"})
    stock_blanks(school, *TITLE)
    _issue(school, AttestatRequest(ivanov, Blank.parse(TITLE[0])))
    school.clock.set(date(2025, 7, 1))
    grades = school.records.context.view(FinalGrades, final_grades_id(ivanov, "basic"))
    assert grades is not None
    school.records.attestation.correct_final_grade(
        pupil=ivanov,
        level=Level.BASIC,
        corrects=f"{grades.id}:{grades.recorded['rus']}",
        grade="5",
        reason="ошибка в итоговой отметке",
        signed_by=school.signing("maths", "director"),
    )

    def duplicate(blank: str, cause: DuplicateCause, reason: str) -> int:
        return school.records.attestats.issue_duplicate(
            level=Level.BASIC,
            original=1,
            blank=Blank.parse(blank),
            reason=reason,
            order=Protocol("50-о", date(2025, 7, 1)),
            issued_on=date(2025, 7, 1),
            received_by=Recipient.GUARDIAN,
            recipient_name="Иванова Мария Петровна",
            signed_by=school.signing("secretary", "director"),
            cause=cause,
        )

    differing = "Расхождения с итоговыми отметками (нужен дубликат или исправление)"
    # the final grade was corrected after the entry: the book says so
    [(entry, _, subject, in_book, now, _)] = _rows_of(school, differing)
    assert (entry, subject, in_book, now) == ("1", "Русский язык", "4", "5")
    assert duplicate(TITLE[1], DuplicateCause.LOST, "утрата оригинала") == 2
    assert len(_rows_of(school, differing)) == 1  # a lost one keeps the old grades
    assert duplicate(TITLE[2], DuplicateCause.ERROR, "ошибка в отметке") == 3
    assert _rows_of(school, differing) == []  # the duplicate for the error clears it
    book = _book(school)
    assert [g[2] for g in book.entries["2"]["grades"]] == ["4", "5", "5"]
    assert [g[2] for g in book.entries["3"]["grades"]] == ["5", "5", "5"]
    rows = _rows(_report(school, "attestat-book", level="basic"), "Записи")
    assert [r["Русский язык"] for r in rows] == ["4", "4", "5"]
    assert rows[2]["Вид записи"] == (
        "дубликат записи № 1 (ошибка в оригинале: ошибка в отметке)"
    )
    assert rows[2]["Получил"] == (
        "родитель (законный представитель): Иванова Мария Петровна"
    )


def test_a_duplicate_for_an_error_needs_the_final_grades(school: SmallSchool) -> None:
    ivanov = school.pupils[0]
    graduate(school, ivanov)
    stock_blanks(school, *TITLE)
    _issue(school, AttestatRequest(ivanov, Blank.parse(TITLE[0])))
    book = _book(school)
    with pytest.raises(MissingFinalGradesError, match="missing: rus, math, hist"):
        book.issue_duplicate(
            original=1,
            blank=Blank.parse(TITLE[1]),
            reason="ошибка",
            order=ORDER,
            issued_on=ISSUED_ON,
            received_by=Recipient.GUARDIAN,
            today=ISSUED_ON,
            other=AttestatBook.open(attestat_book_id(school.school, "secondary")),
            at=school.clock(),
            cause=DuplicateCause.ERROR,
            corrected_grades={},
            recipient_name="Иванова Мария Петровна",
        )


def test_the_stock_report_reconciles_received_issued_spoiled_and_on_hand(
    school: SmallSchool,
) -> None:
    ivanov = school.pupils[0]
    graduate(school, ivanov)
    stock_blanks(school, *TITLE)
    stock_blanks(school, *SUPPLEMENT, kind=BlankKind.SUPPLEMENT)
    stock_blanks(school, "09 0000150", "09 0000151")
    request = AttestatRequest(
        ivanov, Blank.parse(TITLE[1]), supplement=Blank.parse(SUPPLEMENT[0])
    )
    _issue(school, request)
    school.records.attestats.spoil_blank(
        level=Level.BASIC,
        blank=Blank.parse(TITLE[2]),
        reason="ошибка при заполнении",
        signed_by=school.signing("director"),
    )
    school.records.attestats.issue_duplicate(
        level=Level.BASIC,
        original=1,
        blank=Blank.parse("09 0000150"),
        reason="порча оригинала",
        order=ORDER,
        issued_on=ISSUED_ON,
        signed_by=school.signing("secretary", "director"),
        cause=DuplicateCause.DAMAGED,
    )
    stock = _report(school, "blank-stock")
    assert dict(stock["header"])["Сверка"].startswith("сходится")
    moves = _rows(stock, "Движение бланков")
    assert [
        (
            r["Бланк"],
            r["Образец"],
            r["Учебный год"],
            r["Получено"],
            r["Выдано"],
            r["Испорчено"],
            r["Остаток на конец"],
        )
        for r in moves
    ] == [
        ("аттестат", "образец 2020 г. (14 цифр)", "2024/2025", "4", "1", "1", "2"),
        ("аттестат", "прежний (серия и номер)", "2024/2025", "2", "1", "0", "1"),
        ("приложение", "образец 2020 г. (14 цифр)", "2024/2025", "2", "1", "0", "1"),
    ]
    on_hand = _rows(stock, "Бланки в наличии")
    assert [(r["Количество"], r["Номера"]) for r in on_hand] == [
        ("2", f"{TITLE[0]}, {TITLE[3]}"),
        ("1", "09 0000151"),
        ("1", SUPPLEMENT[1]),
    ]
    receipts = _rows(stock, "Поступление бланков")
    assert receipts[0]["Номера"] == f"{TITLE[0]}–{TITLE[3]}"
    assert receipts[0]["Накладная (акт)"] == "накладная № 17 от 01.06.2025"


def _rows_of(school: SmallSchool, title: str) -> list[tuple[str, ...]]:
    """The rows of the basic book's table ``title``."""
    book = _report(school, "attestat-book", level="basic")
    [found] = [t for t in book["tables"] if t["title"] == title]
    return [tuple(r) for r in found["rows"]]
