"""Charts drawn by the server as SVG: numbers in, shapes out.

The pages draw them with the project's own small SVG templates
(``templates/charts_svg.html``) inside the HTML, styled by
``static/charts.css``: no chart service, no CDN, no script needed to see
them, and they print with the page. Each chart has a ``<title>`` and a
``<desc>`` that says in words what it shows; the page puts the numbers in a
table beside it. This module only computes the geometry (pure, no I/O):

- :func:`pupil_panel`: one subject of a pupil's dynamics («отслеживание
  динамики индивидуальных образовательных результатов», §2.3): the average
  of the marks of each period as a line, the period grades as squares and the
  year grade as a diamond, period after period, year after year;
- :func:`distribution_chart`: a class's grades in one period, subject by
  subject, as 100 % bars of «5», «4», «3», «2», «н/а» with the average and the
  share of «4» and «5» (the internal quality monitoring, §4.2);
- :func:`periods_chart`: a class's share of «4» and «5» and of results
  without debt, period by period.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# -- numbers in ------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One period of a pupil's year in a subject: its grade and its average."""

    label: str  # «I», «год»: under the axis
    title: str  # «I четверть 2024/2025»
    grade: str | None  # the period (or year) grade, as recorded
    average: Decimal | None  # the weighted average of the period's marks
    year: bool = False  # the year's grade slot


@dataclass(frozen=True)
class YearSlots:
    label: str  # «2024/2025, 9А»
    slots: tuple[Slot, ...]


@dataclass(frozen=True)
class Share:
    """How many of a group got one result («5», «н/а»…)."""

    result: str
    count: int


@dataclass(frozen=True)
class Distribution:
    """A class's results in one subject and period (§4.2)."""

    subject: str
    shares: tuple[Share, ...]
    total: int
    average: Decimal | None  # of the numeric grades
    quality: Decimal | None  # % of «4» and «5»
    success: Decimal | None  # % of results that leave no academic debt
    failures: int


# -- shapes out ------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    css: str = ""


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    css: str = ""


@dataclass(frozen=True)
class Mark:
    """A point of data: where, its shape's class, its text, its tooltip."""

    x: float
    y: float
    css: str
    text: str
    title: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str
    text: str = ""


@dataclass(frozen=True)
class Chart:
    """An SVG chart: its size, its words, and its shapes by kind."""

    width: int
    height: int
    title: str
    desc: str
    lines: tuple[Line, ...] = ()
    texts: tuple[Text, ...] = ()
    paths: tuple[str, ...] = ()  # polylines, «x,y x,y …»
    marks: tuple[Mark, ...] = ()
    bars: tuple[Bar, ...] = ()
    bands: tuple[Bar, ...] = ()  # behind everything: a year's slot


def number(value: Decimal | None, places: int = 2) -> str:
    """«4,62», as Russian writes a decimal; «—» for none."""
    if value is None:
        return "—"
    return f"{value:.{places}f}".replace(".", ",")


def percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{number(value, 0)} %"


# -- a pupil's dynamics in one subject -------------------------------------------------

STEP = 54  # px between two periods
LEFT, RIGHT, TOP, PLOT, BOTTOM = 30, 14, 10, 110, 42
LOWEST, HIGHEST = 2, 5


def pupil_panel(subject: str, years: tuple[YearSlots, ...]) -> Chart:
    """One subject's periods over the years: average line, grade marks."""
    slots = [(y, s) for y in years for s in y.slots]
    low = min([LOWEST, *(_value(s.grade) or LOWEST for _, s in slots)])
    width = LEFT + STEP * max(len(slots), 1) + RIGHT
    height = TOP + PLOT + BOTTOM

    def y_of(value: float) -> float:
        return round(TOP + (HIGHEST - value) / (HIGHEST - low) * PLOT, 1)

    grid = [Line(LEFT, y_of(v), width - RIGHT, y_of(v), "grid") for v in range(low, 6)]
    scale = [Text(LEFT - 8, y_of(v) + 4, str(v), "scale") for v in range(low, 6)]
    texts, lines, marks, paths = list(scale), list(grid), [], []
    bands: list[Bar] = []
    run: list[str] = []  # the line joins the periods' averages, not the year's
    for i, (_, s) in enumerate(slots):
        x = LEFT + STEP * i + STEP / 2
        texts.append(Text(x, TOP + PLOT + 16, s.label, "tick"))
        if s.year:
            bands.append(Bar(x - STEP / 2, TOP, STEP, PLOT, "year-band", s.title))
        if s.average is not None and not s.year:
            run.append(f"{x},{y_of(float(s.average))}")
        elif run:
            paths.append(" ".join(run))
            run = []
        if s.average is not None:
            y = y_of(float(s.average))
            marks.append(Mark(x, y, "average", "", _said(subject, s)))
        marks.extend(_grade_mark(subject, s, x, y_of(_value(s.grade) or low)))
    if run:
        paths.append(" ".join(run))
    lines.extend(_year_bounds(years, height))
    texts.extend(_year_labels(years))
    return Chart(
        width=width,
        height=height,
        title=f"{subject}: динамика отметок",
        desc="; ".join(_said(subject, s) for _, s in slots) or "отметок ещё нет",
        lines=tuple(lines),
        texts=tuple(texts),
        paths=tuple(p for p in paths if " " in p),
        marks=tuple(marks),
        bands=tuple(bands),
    )


def _value(grade: str | None) -> int | None:
    return int(grade) if grade is not None and grade.isdigit() else None


def _grade_mark(subject: str, s: Slot, x: float, y: float) -> list[Mark]:
    if s.grade is None:
        return []
    kind = "year-grade" if s.year else "grade"
    if _value(s.grade) is None:
        kind += " unscored"
    return [Mark(x, y, kind, s.grade, _said(subject, s))]


def _said(subject: str, s: Slot) -> str:
    """The slot in words: «Математика, I четверть 2024/2025: отметка 5, средний
    балл 4,62»."""
    parts = []
    if s.grade is not None:
        parts.append(f"{'годовая ' if s.year else ''}отметка {s.grade}")
    if s.average is not None:
        parts.append(f"средний балл {number(s.average)}")
    return f"{subject}, {s.title}: {', '.join(parts) or 'нет отметок'}"


def _year_bounds(years: tuple[YearSlots, ...], height: int) -> list[Line]:
    bounds, at = [], 0
    for y in years[:-1]:
        at += len(y.slots)
        x = LEFT + STEP * at
        bounds.append(Line(x, TOP, x, height - 4, "year-bound"))
    return bounds


def _year_labels(years: tuple[YearSlots, ...]) -> list[Text]:
    labels, at = [], 0
    for y in years:
        middle = LEFT + STEP * (at + len(y.slots) / 2)
        labels.append(Text(middle, TOP + PLOT + 34, y.label, "year"))
        at += len(y.slots)
    return labels


# -- a class's grades in one period ----------------------------------------------------

BAR, NUMBERS = 420, 190
ROW, GAP = 26, 8
LETTER = 7  # px a letter of a subject's name takes, about (12 px DejaVu Sans)


def distribution_chart(
    klass: str, period: str, rows: tuple[Distribution, ...]
) -> Chart:
    """Subjects top to bottom, each a 100 % bar of its results in the period,
    with the average, the share of «4» and «5» and the failures beside."""
    left = 16 + LETTER * max((len(fitted(d.subject)) for d in rows), default=8)
    width = left + BAR + NUMBERS
    height = 28 + len(rows) * (ROW + GAP) + 4
    texts = [
        Text(left + BAR + 8, 16, "ср. балл · «4» и «5» · неусп.", "head"),
    ]
    bars: list[Bar] = []
    for i, d in enumerate(rows):
        y = 28 + i * (ROW + GAP)
        texts.append(Text(left - 8, y + ROW / 2 + 5, fitted(d.subject), "subject"))
        bars.extend(_segments(d, left, y))
        texts.append(
            Text(
                left + BAR + 8,
                y + ROW / 2 + 5,
                f"{number(d.average)} · {percent(d.quality)} · {d.failures}",
                "numbers",
            )
        )
    return Chart(
        width=width,
        height=height,
        title=f"{klass}: отметки за {period} по предметам",
        desc="; ".join(_distribution_said(d) for d in rows) or "отметок ещё нет",
        texts=tuple(texts),
        bars=tuple(bars),
    )


def fitted(name: str, room: int = 30) -> str:
    """A subject's name cut to what the labels' column holds («Основы
    безопасности и защит…»); the bars' tooltips and the table say it whole."""
    return name if len(name) <= room else name[: room - 1].rstrip() + "…"


def _segments(d: Distribution, left: int, y: float) -> list[Bar]:
    if not d.total:
        return [Bar(left, y, BAR, ROW, "empty", f"{d.subject}: отметок нет", "нет")]
    found, x = [], float(left)
    for s in d.shares:
        if not s.count:
            continue
        w = BAR * s.count / d.total
        share = Decimal(100 * s.count) / d.total
        found.append(
            Bar(
                round(x, 1),
                y,
                round(w, 1),
                ROW,
                f"result r-{result_class(s.result)}",
                f"{d.subject}: «{s.result}» — {s.count} из {d.total} "
                f"({percent(share)})",
                str(s.count) if w >= 18 else "",
            )
        )
        x += w
    return found


def result_class(result: str) -> str:
    """A CSS-safe name of a result: «5» → «5», «н/а» → «na»."""
    return {"н/а": "na", "зачёт": "pass", "незачёт": "fail"}.get(result, result)


def _distribution_said(d: Distribution) -> str:
    shares = ", ".join(f"«{s.result}» — {s.count}" for s in d.shares if s.count)
    return (
        f"{d.subject}: {shares or 'нет отметок'}; средний балл {number(d.average)}, "
        f"«4» и «5» — {percent(d.quality)}, неуспевающих {d.failures}"
    )


# -- a class's periods -----------------------------------------------------------------

COLUMN, PAIR = 26, 90
P_LEFT, P_TOP, P_PLOT = 40, 12, 150


def periods_chart(klass: str, columns: tuple[tuple[str, Distribution], ...]) -> Chart:
    """Per period, two columns: results without debt (%) and «4» and «5» (%)."""
    width = P_LEFT + PAIR * max(len(columns), 1) + 10
    height = P_TOP + P_PLOT + 30

    def y_of(value: Decimal) -> float:
        return round(P_TOP + float(100 - value) / 100 * P_PLOT, 1)

    lines = [
        Line(P_LEFT, y_of(Decimal(v)), width - 10, y_of(Decimal(v)), "grid")
        for v in (0, 25, 50, 75, 100)
    ]
    texts = [
        Text(P_LEFT - 6, y_of(Decimal(v)) + 4, f"{v} %", "scale")
        for v in (0, 25, 50, 75, 100)
    ]
    bars: list[Bar] = []
    for i, (period, d) in enumerate(columns):
        x = P_LEFT + PAIR * i + (PAIR - 2 * COLUMN - 4) / 2
        texts.append(Text(x + COLUMN + 2, P_TOP + P_PLOT + 18, period, "tick"))
        pair = (
            (d.success, "success", "успеваемость"),
            (d.quality, "quality", "«4» и «5»"),
        )
        for j, (value, css, what) in enumerate(pair):
            if value is None:
                continue
            top = y_of(value)
            bars.append(
                Bar(
                    x + j * (COLUMN + 4),
                    top,
                    COLUMN,
                    round(P_TOP + P_PLOT - top, 1),
                    css,
                    f"{period}: {what} — {percent(value)}",
                    number(value, 0),
                )
            )
    said = "; ".join(
        f"{p}: успеваемость {percent(d.success)}, «4» и «5» {percent(d.quality)}"
        for p, d in columns
    )
    return Chart(
        width=width,
        height=height,
        title=f"{klass}: успеваемость и качество по периодам",
        desc=said or "отметок ещё нет",
        lines=tuple(lines),
        texts=tuple(texts),
        bars=tuple(bars),
    )
