"""Reports rebuilt from the log, in the forms of the regulation (§7.3).

The entry point for the command line and the HTTP API::

    render(app, "journal", {"class": "9А", "subject": "math", "period": "Q1"},
           "html", AsOf(date=date(2025, 10, 14)))  -> Rendered(body, media_type,
                                                                filename)

``render`` catches the records view up to the log, cuts it at the latest
signed checkpoint (or the as-of point), builds the report as data and renders
it. Parameter values (all strings):

- ``class``: the class name of that year, «9А» (case and spaces ignored);
- ``year``: «2025/2026»; optional, the latest academic year when not given;
- ``subject``: a code («math») or the subject's name («Математика»);
- ``period``: a code (Q1–Q4, T1–T3, H1, H2, Y for the year) or its name
  («I четверть», «год»); the periods of the class's grade;
- ``pupil``: a personal file number («К-25») or the pupil's id (UUID);
- ``level`` (attestat book, blank stock): ``basic`` or ``secondary``; the
  blank stock covers both levels when it is not given.
- ``level`` (attestat book): ``basic`` or ``secondary``;
- ``month`` (the change log): «2024-10», «10.2024» or «10».

A report concerns the pupil named by ``pupil`` (diary, personal file,
portfolio) or the pupils of ``class`` (class reports); the attestat book
concerns every graduate of its level. Bad input raises :class:`ReportError`
whose message names what exists.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace

from ledger.application import LedgerApplication
from ledger.keys.personal import DataKeyStore
from projections.collation import ascii_name
from projections.reports import (
    blanks,
    book,
    changes,
    diary,
    journal,
    personal_file,
    portfolio,
    protocols,
    summary,
)
from projections.reports.common import Inputs
from projections.reports.errors import NamesUnavailableError, ReportError
from projections.reports.model import Report
from projections.reports.pdf import to_pdf
from projections.reports.render import MEDIA_TYPES
from projections.reports.render import RENDERERS as TEXT_RENDERERS
from projections.reports.school import ERASED, School, data_keys
from projections.reports.source import AsOf, Source, open_source

__all__ = [
    "FORMATS",
    "REPORT_NAMES",
    "AsOf",
    "Rendered",
    "ReportError",
    "Reports",
    "file_name",
    "render",
    "rendered",
    "report_parameters",
]

Builder = Callable[[Inputs, Mapping[str, str]], Report]

_BUILDERS: dict[str, tuple[Builder, tuple[str, ...], tuple[str, ...]]] = {
    "journal": (journal.build, journal.PARAMETERS, journal.REQUIRED),
    "diary": (diary.build, diary.PARAMETERS, diary.REQUIRED),
    "summary": (summary.build, summary.PARAMETERS, summary.REQUIRED),
    "attestation-protocol": (
        protocols.build_attestation,
        protocols.ATTESTATION_PARAMETERS,
        protocols.REQUIRED,
    ),
    "exam-protocol": (
        protocols.build_exams,
        protocols.EXAM_PARAMETERS,
        protocols.REQUIRED,
    ),
    "attestat-book": (book.build, book.PARAMETERS, book.REQUIRED),
    "blank-stock": (blanks.build, blanks.PARAMETERS, blanks.REQUIRED),
    "personal-file": (
        personal_file.build,
        personal_file.PARAMETERS,
        personal_file.REQUIRED,
    ),
    "portfolio": (portfolio.build, portfolio.PARAMETERS, portfolio.REQUIRED),
    "changes": (changes.build, changes.PARAMETERS, changes.REQUIRED),
}

REPORT_NAMES: tuple[str, ...] = tuple(_BUILDERS)
FORMATS = ("html", "csv", "json", "pdf")
RENDERERS: dict[str, Callable[[Report], bytes]] = {**TEXT_RENDERERS, "pdf": to_pdf}


@dataclass(frozen=True)
class Rendered:
    """A rendered report: its bytes, media type and a stable file name."""

    body: bytes
    media_type: str
    filename: str


def report_parameters(name: str) -> tuple[str, ...]:
    """The parameters report ``name`` takes (the required ones first)."""
    return _builder(name)[1]


def required_parameters(name: str) -> tuple[str, ...]:
    return _builder(name)[2]


def _builder(name: str) -> tuple[Builder, tuple[str, ...], tuple[str, ...]]:
    found = _BUILDERS.get(name)
    if found is None:
        msg = f"no report named {name!r}; reports: {', '.join(REPORT_NAMES)}"
        raise ReportError(msg)
    return found


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        msg = f"format {fmt!r} is not supported; formats: {', '.join(FORMATS)}"
        raise ReportError(msg)


class Reports:
    """Several reports from one cut of the log (``report all`` builds thousands
    from one catch-up, one read of the school and one opening of the names).

    Reports show pupils by name: without the passphrase that opens the
    personal data keys (or with a wrong one) they are refused
    (:class:`NamesUnavailableError`), never printed with every pupil «имя
    недоступно». ``pseudonymous`` asks for personal file numbers instead, on
    purpose; every report then says so in its header.
    """

    def __init__(
        self,
        app: LedgerApplication,
        as_of: AsOf | None = None,
        *,
        source: Source | None = None,
        pseudonymous: bool = False,
        keys: DataKeyStore | None = None,
        only: Collection[str] | None = None,
    ) -> None:
        """``source``: a cut made already (``report check`` cuts at the
        checkpoint a file names), else the cut ``as_of`` says. ``keys``: the
        data keys already opened (a server's), else those of ``app``'s
        environment. ``only``: the pupils whose reports these are; only their
        names are opened (the web diary's one pupil)."""
        if source is None:
            source = open_source(app, as_of)
        if keys is None and not pseudonymous:
            keys = data_keys(app.env)
        school = School(source, keys, pseudonymous=pseudonymous, only=only)
        if not pseudonymous:
            refuse_without_names(school, keys is not None, only)
        self.pseudonymous = pseudonymous
        self.inputs = Inputs(source, school)

    @property
    def school(self) -> School:
        return self.inputs.school

    def build(
        self, name: str, params: Mapping[str, str], *, leaves: bool = False
    ) -> Report:
        """Report ``name``; with ``leaves``, naming the leaf indexes of the
        events it read (what its PDF attaches)."""
        builder = _builder(name)[0]
        given = {k: v for k, v in params.items() if v}
        if not leaves:
            return self._named(builder(self.inputs, given))
        source = self.inputs.source
        source.read = set()
        try:
            report = builder(self.inputs, given)
            read = source.read
        finally:
            source.read = None
        return self._named(replace(report, leaves=source.leaf_indexes(read)))

    def _named(self, report: Report) -> Report:
        """A pseudonymous report says so in its header."""
        if not self.pseudonymous:
            return report
        return replace(report, header=(*report.header, ("Имена", PSEUDONYMOUS_NOTE)))

    def render(
        self, name: str, params: Mapping[str, str], fmt: str, *, bound: bool = False
    ) -> Rendered:
        _check_format(fmt)
        report = self.build(name, params, leaves=fmt == "pdf")
        return rendered(report, fmt, bound=bound)


PSEUDONYMOUS_NOTE = "не показаны: вместо имён номера личных дел (--pseudonymous)"


def refuse_without_names(
    school: School, keys_given: bool, only: Collection[str] | None = None
) -> None:
    """Refuse a report with names when pupils' names (of ``only``, if given)
    cannot be opened (pupils whose data were erased on purpose show «данные
    удалены» and are no reason)."""
    unreadable = [
        p
        for p in school.pupils.values()
        if p.surname is None
        and p.placeholder != ERASED
        and (only is None or p.id in only)
    ]
    if not unreadable:
        return
    reason = (
        f"the passphrase does not open the personal data keys of {len(unreadable)} "
        "pupil(s)"
        if keys_given
        else "no passphrase for the personal data keys was given "
        "(LETOPIS_KEY_PASSPHRASE) or the key directory has no data-keys"
    )
    msg = (
        f"the report needs the pupils' names, and they cannot be opened: {reason}; "
        "give the right passphrase, or ask for --pseudonymous to show personal "
        "file numbers instead of names"
    )
    raise NamesUnavailableError(msg)


def rendered(report: Report, fmt: str, *, bound: bool = False) -> Rendered:
    """``report`` in format ``fmt``, with its media type and file name;
    ``bound``: as a bound PDF file with its certification sheet (§7.3.3)."""
    _check_format(fmt)
    if bound and fmt != "pdf":
        msg = f"a bound file is a PDF: give --format pdf, not {fmt}"
        raise ReportError(msg)
    body = to_pdf(report, bound=True) if bound else RENDERERS[fmt](report)
    return Rendered(
        body=body,
        media_type=MEDIA_TYPES[fmt],
        filename=f"{file_name(report)}.{fmt}",
    )


def render(
    app: LedgerApplication,
    name: str,
    params: Mapping[str, str],
    fmt: str,
    as_of: AsOf | None = None,
    *,
    keys: DataKeyStore | None = None,
) -> Rendered:
    """Build report ``name`` as of ``as_of`` (default: the latest checkpoint);
    ``keys``: the data keys already opened (a server's), else the environment's."""
    _builder(name)
    _check_format(fmt)
    return Reports(app, as_of, keys=keys).render(name, params, fmt)


def file_name(report: Report) -> str:
    """A stable ASCII name: the report's name and its resolved parameters,
    e.g. ``journal-2025-2026-9a-math-Q1`` (see :mod:`projections.collation`)."""
    parts = [report.name]
    for key in ("year", "class", "subject", "period", "level", "pupil", "month"):
        value = report.parameters.get(key)
        if value:
            parts.append(ascii_name(value) if key != "period" else value)
    return "-".join(parts)
