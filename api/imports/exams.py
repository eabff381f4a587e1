"""State exam results («Результаты ГИА») from a regional centre's protocol:
``attestation.import_exam_results``.

The columns follow what a regional centre (РЦОИ) sends a school per exam: the
participant (here by personal file number, or by surname, name, patronymic and
birth date with the class, as protocols name participants), the exam's form
(ОГЭ, ЕГЭ, ГВЭ), subject and date, the primary score, the test score (ЕГЭ) and
the mark «2»…«5» (ОГЭ, ГВЭ, ЕГЭ by basic mathematics) or «зачёт»/«незачёт»
(ЕГЭ scored in points, whether the minimum was reached), and the protocol's
number and date and the centre. A result is imported only for a pupil the
council admitted to state exams that year (the service's rule, checked first).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from api.imports.columns import DATE_FORM, Column
from api.imports.kind import HeldImporter, domain_problem
from api.imports.lookups import identity_key
from api.imports.problems import Problems
from ledger.domain.attestation import Protocol, check_protocol
from ledger.domain.decisions import CouncilRecord, DecisionKind
from ledger.domain.exams import ExamKind, ExamResult, check_exam_result
from ledger.domain.ids import council_record_id
from ledger.domain.people import PersonalFile
from ledger.records.attestation import ExamImport

FORMS = {"ОГЭ": ExamKind.OGE, "ЕГЭ": ExamKind.EGE, "ГВЭ": ExamKind.GVE}
PASSES = {"зачёт": True, "зачет": True, "незачёт": False, "незачет": False}
MARKS = ("5", "4", "3", "2")


class ExamsImport(HeldImporter[ExamImport]):
    """Results of state exams, one row per pupil and exam."""

    name = "exams"
    title = "Результаты ГИА"
    columns: ClassVar[tuple[Column, ...]] = (
        Column(
            "file",
            "Личное дело",
            "номер личного дела «К-25» (или ФИО и дата рождения)",
            required=False,
        ),
        Column("surname", "Фамилия", "фамилия участника", required=False),
        Column("given", "Имя", "имя участника", required=False),
        Column("patronymic", "Отчество", "отчество участника", required=False),
        Column("born", "Дата рождения", DATE_FORM, "date", required=False),
        Column("klass", "Класс", "класс ученика в этом году: «9А»"),
        Column("form", "Форма ГИА", "ОГЭ, ЕГЭ или ГВЭ", choices=tuple(FORMS)),
        Column("subject", "Предмет", "код или название предмета"),
        Column("day", "Дата экзамена", DATE_FORM, "date"),
        Column("primary", "Первичный балл", "целое число не меньше 0", "int"),
        Column("score", "Тестовый балл", "0–100, для ЕГЭ", "int", required=False),
        Column(
            "mark", "Отметка", "«2»…«5», или «зачёт»/«незачёт» для ЕГЭ", required=False
        ),
        Column("protocol", "Номер протокола", "номер протокола РЦОИ"),
        Column(
            "protocol_on", "Дата протокола", f"{DATE_FORM}, не раньше экзамена", "date"
        ),
        Column("centre", "РЦОИ", "название регионального центра обработки информации"),
    )

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.seen: dict[tuple[UUID, str, date], int] = {}
        self.today = date.min

    def start(self, problems: Problems) -> None:
        super().start(problems)
        self.today = self.look.ctx.today()

    def check(self, row: int, values: dict[str, Any], problems: Problems) -> None:
        pupil = self._pupil(row, values, problems)
        result = self._result(row, values, problems)
        if pupil is None or result is None:
            return
        protocol = Protocol(values["protocol"], values["protocol_on"])
        if not domain_problem(
            problems,
            row,
            self.column("protocol_on"),
            "протокол с номером, не позже сегодняшнего дня",
            lambda: check_protocol(protocol, self.today, "state exam"),
        ):
            return
        if result.exam_date > protocol.on:
            problems.add(
                row,
                self.column("protocol_on"),
                "протокол датирован раньше экзамена",
                "дата протокола не раньше даты экзамена",
            )
            return
        key = (pupil.id, result.subject, result.exam_date)
        if key in self.seen:
            problems.add(
                row,
                self.column("subject"),
                f"повтор результата (строка {self.seen[key]})",
                "каждый результат один раз",
            )
            return
        self.seen[key] = row
        if not self._admitted(pupil.id):
            problems.add(
                row,
                self.column("file"),
                f"ученик {pupil.personal_file} не допущен к ГИА {self.source.year} "
                "педагогическим советом",
                "ученики, допущенные к ГИА решением совета",
            )
            return
        assert self.source.year is not None
        self.items.append(
            ExamImport(pupil.id, self.source.year, result, protocol, values["centre"])
        )

    def _pupil(
        self, row: int, values: dict[str, Any], problems: Problems
    ) -> PersonalFile | None:
        klass = self.look.klass(values["klass"])
        if klass is None:
            problems.add(
                row,
                self.column("klass"),
                f"класс «{values['klass']}» не открыт в {self.source.year}",
                "класс ученика в этом году: «9А»",
            )
            return None
        file = self._file(row, values, problems)
        if file is None:
            return None
        year = self.look.ctx.year_of(klass)
        on = min(max(values["day"], year.starts), year.ends)
        ok = domain_problem(
            problems,
            row,
            self.column("klass"),
            f"ученик класса {klass.name}",
            lambda: file.check_in_class(klass.id, klass.name, on),
        )
        return file if ok else None

    def _file(
        self, row: int, values: dict[str, Any], problems: Problems
    ) -> PersonalFile | None:
        if values.get("file"):
            file = self.look.pupil(values["file"])
            if file is None:
                problems.add(
                    row,
                    self.column("file"),
                    f"нет личного дела «{values['file']}»",
                    "номер личного дела ученика школы: «К-25»",
                )
            return file
        named = (values.get("surname"), values.get("given"), values.get("born"))
        if not all(named):
            problems.add(
                row,
                self.column("file"),
                "участник не назван",
                "номер личного дела или фамилия, имя и дата рождения",
            )
            return None
        key = identity_key(
            values["surname"],
            values["given"],
            values.get("patronymic") or "",
            values["born"],
        )
        found = self.look.pupils_named(key)
        if len(found) != 1:
            what = "нет ученика" if not found else "несколько учеников"
            problems.add(
                row,
                self.column("surname"),
                f"{what} с такими ФИО и датой рождения",
                "ровно один ученик школы; иначе укажите номер личного дела",
            )
            return None
        return self.look.ctx.view(PersonalFile, found[0])

    def _result(
        self, row: int, values: dict[str, Any], problems: Problems
    ) -> ExamResult | None:
        subject = self.look.subject(values["subject"])
        if subject is None:
            problems.add(
                row,
                self.column("subject"),
                f"нет предмета «{values['subject']}»",
                self.look.subjects_allowed(),
            )
            return None
        form = FORMS[values["form"]]
        text = (values.get("mark") or "").casefold()
        if text not in (*MARKS, *PASSES):
            problems.add(
                row,
                self.column("mark"),
                f"отметка «{values.get('mark') or ''}»",
                "«2»…«5», или «зачёт»/«незачёт» для ЕГЭ в баллах",
            )
            return None
        mark = text if text in MARKS else None
        passed = PASSES[text] if mark is None else mark != "2"
        result = ExamResult(
            form,
            subject.code,
            values["day"],
            values["primary"],
            values.get("score"),
            mark,
            passed,
        )
        ok = domain_problem(
            problems,
            row,
            self.column("mark"),
            "ЕГЭ: первичный и тестовый балл; ОГЭ и ГВЭ: отметка «2»…«5»",
            lambda: check_exam_result(result),
        )
        return result if ok else None

    def _admitted(self, pupil: UUID) -> bool:
        assert self.source.year is not None
        council = self.look.ctx.view(
            CouncilRecord, council_record_id(pupil, self.source.year)
        )
        return (
            council is not None
            and council.find(DecisionKind.ADMITTED_TO_STATE_EXAMS) is not None
        )

    def save(self, items: Sequence[ExamImport]) -> None:
        self.records.attestation.import_exam_results(items, signed_by=self.signing)
