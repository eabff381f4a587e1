"""The new-lesson form of a journal page, and the lesson-sheet body it makes.

The form's fields are named after the body of ``POST /lesson-sheets``
(:class:`LessonSheet`): ``class_id``, ``subject``, ``subgroup``, ``day``,
``number``, ``topic``, ``homework``, and per pupil row ``i`` of the grid
``marks.i.pupil``, ``marks.i.mark``, ``marks.i.work_type`` and the absence
checkbox ``absences.i.pupil``. :func:`body_of` reads them exactly as the
page's script does (``LetopisJournal.bodyOf`` in ``static/journal.js``) for
signing in the browser, so both paths send the same body: a row whose mark is
empty is not a mark, an unticked box is not an absence, texts are trimmed, an
empty subgroup is none.

A refusal, of the body's shape or of a rule, is placed on the form field it is
about (the API's ``field``, such as ``body.marks.2.mark``, mapped back to the
grid row it came from), so the page shows it next to that cell.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from api.server.problems import ProblemError
from api.server.routers.journal import LessonSheet
from api.server.web.journal_forms import FormState
from api.server.web.journal_words import invalid_text, ru_date, rule_text

_MARK = re.compile(r"marks\.([0-9]{1,3})\.mark")
_ABSENT = re.compile(r"absences\.([0-9]{1,3})\.pupil")
_DIGITS = re.compile(r"[0-9]+")
#: the lesson's own fields, as the body and the form name them
LESSON_FIELDS = ("day", "number", "topic", "homework")


@dataclass
class SheetForm(FormState):
    """A new lesson as typed (to show again), the body it makes, and the grid
    row each of the body's marks and absences came from."""

    body: dict[str, Any] = field(default_factory=dict)
    mark_rows: list[int] = field(default_factory=list)  # body.marks[j] ← row
    absence_rows: list[int] = field(default_factory=list)

    @classmethod
    def blank(cls, day: str, number: int) -> SheetForm:
        return cls({"day": day, "number": str(number)})

    def row_errors(self, row: int) -> list[tuple[str, str]]:
        """The refusals about one grid row's cell: (message, detail)."""
        names = (
            f"marks.{row}.mark",
            f"marks.{row}.work_type",
            f"marks.{row}.pupil",
            f"absences.{row}.pupil",
        )
        return [(self.errors[n], self.details[n]) for n in names if n in self.errors]


def read_form(values: Mapping[str, str]) -> SheetForm:
    """The form as posted, and the lesson-sheet body it makes."""
    form = SheetForm(dict(values))
    form.body, form.mark_rows, form.absence_rows = body_of(values)
    return form


def body_of(values: Mapping[str, str]) -> tuple[dict[str, Any], list[int], list[int]]:
    """The lesson-sheet body of the form's fields (as ``bodyOf`` in the page's
    script makes it), and the grid row of each mark and absence."""
    marks = sorted(int(m.group(1)) for n in values if (m := _MARK.fullmatch(n)))
    absent = sorted(int(m.group(1)) for n in values if (m := _ABSENT.fullmatch(n)))
    mark_rows = [i for i in marks if values[f"marks.{i}.mark"].strip()]
    number = values.get("number", "").strip()
    body: dict[str, Any] = {
        "class_id": values.get("class_id", ""),
        "subject": values.get("subject", ""),
        "subgroup": values.get("subgroup", "") or None,
        "day": values.get("day", ""),
        "number": int(number) if _DIGITS.fullmatch(number) else number,
        "topic": values.get("topic", "").strip(),
        "homework": values.get("homework", "").strip(),
        "marks": [
            {
                "pupil": values.get(f"marks.{i}.pupil", ""),
                "mark": values[f"marks.{i}.mark"].strip(),
                "work_type": values.get(f"marks.{i}.work_type", ""),
            }
            for i in mark_rows
        ],
        "absences": [{"pupil": values[f"absences.{i}.pupil"]} for i in absent],
    }
    return body, mark_rows, absent


def validated(form: SheetForm) -> LessonSheet | None:
    """The body as the API's model reads it; None, with each wrong field
    placed on the form, when it does not fit the model."""
    try:
        return LessonSheet.model_validate(form.body)
    except ValidationError as e:
        for error in e.errors():
            name = form_field(form, ("body", *error["loc"]))
            form.refuse(name, invalid_text(error["type"], error.get("ctx")))
        return None


def check_page(
    form: SheetForm,
    sheet: LessonSheet,
    course: tuple[str, str, str | None],
    period: tuple[str, date, date],
) -> None:
    """The page's own checks: the form is of this journal (class, subject,
    subgroup) and its lesson falls in the page's period."""
    class_id, subject, subgroup = course
    if (str(sheet.class_id), sheet.subject, sheet.subgroup) != course:
        form.refuse(
            "",
            "Форма относится к другому журналу: откройте страницу заново.",
            f"the page is {class_id} {subject} {subgroup or ''}",
        )
        return
    name, starts, ends = period
    if not starts <= sheet.day <= ends:
        form.refuse(
            "day",
            f"Дата вне периода «{name}» ({ru_date(starts)} – {ru_date(ends)}): "
            "урок этого дня записывают в журнале своего периода.",
        )


def place(form: SheetForm, problem: ProblemError) -> None:
    """Place a rule's refusal of the sheet on the field it names."""
    name = form_field(form, tuple((problem.field or "body").split(".")))
    form.refuse(name, rule_text(problem), problem.detail)


def form_field(form: SheetForm, loc: tuple[Any, ...]) -> str:
    """The form field of a body location (``body.marks.2.mark`` → the grid
    row that mark came from); "" for the form as a whole."""
    parts = [str(p) for p in loc]
    if parts[:1] == ["body"]:
        parts = parts[1:]
    if not parts:
        return ""
    head = parts[0]
    if head in LESSON_FIELDS:
        return head
    rows = {"marks": form.mark_rows, "absences": form.absence_rows}.get(head)
    if rows is None or len(parts) < 2 or not parts[1].isdigit():
        return ""
    index = int(parts[1])
    if index >= len(rows):
        return ""
    leaf = parts[2] if len(parts) > 2 else ("mark" if head == "marks" else "pupil")
    return f"{head}.{rows[index]}.{leaf}"
