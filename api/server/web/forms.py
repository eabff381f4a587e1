"""Forms made from the command table: one form per kind of record.

A record command (:mod:`api.commands`) has a strict pydantic body; its form is
that body laid out as inputs, each named by the body field it fills, the way
the API's problems name fields (``pupils.0.surname``, ``protocol.date``). So
the posted form becomes the very body the HTTP API takes, and a refusal, of
the body's validation or of a rule, lands next to the input it is about.

What differs between forms is data (:class:`FormSpec`): which fields are
fixed by the page or left out, which list is one item and which is a row per
pupil (or subject) of a class, and the choices a select offers (filled from
the school's records by the page). The inputs are laid out by
:mod:`api.server.web.forms_layout`, labelled by :mod:`api.server.web.
forms_labels`; here, what a form does with what was posted: bind it, make
the body, and place each refusal. Nothing here reads the records or writes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from api.commands import Body, Command
from api.server.web.forms_labels import model_error_field, russian_error

TEXT, AREA, DATE, NUMBER, CHECK, SELECT, MANY, LINES, HIDDEN, GROUP, ROWS = (
    "text",
    "area",
    "date",
    "number",
    "check",
    "select",
    "many",
    "lines",
    "hidden",
    "group",
    "rows",
)
#: a text longer than this is a text area
LONG_TEXT = 200
#: the hidden field that makes a double-submitted form append once
SUBMISSION = "submission"


@dataclass(frozen=True)
class Option:
    """A choice of a select: the value sent, the Russian text, its group."""

    value: str
    label: str
    group: str = ""


@dataclass(frozen=True)
class FormSpec:
    """How one kind of record is laid out as a form (data, not code).

    ``rows``: a list field shown as a table, one row per choice of its key
    field (``{"results": "pupil"}``: a row per pupil offered for
    ``results.pupil``); rows left blank are not sent. Other lists of records
    are one item. ``hidden``: fields the page fixes (the class chosen).
    ``omit``: fields the page derives (:attr:`derive`) or leaves to default.
    """

    slug: str
    command: str
    title: str
    about: str = ""
    rows: Mapping[str, str] = field(default_factory=dict)
    hidden: tuple[str, ...] = ()
    omit: tuple[str, ...] = ()
    button: str = "Записать"


@dataclass
class Row:
    """One row of a table of records: whom it is about and its inputs."""

    key: str
    label: str
    cells: list[Widget]
    error: str = ""


@dataclass
class Widget:
    """One input of a form (or a group of them), with what was typed and the
    refusal shown beside it."""

    path: str
    name: str
    kind: str
    label: str
    hint: str = ""
    required: bool = False
    maxlength: int | None = None
    options: list[Option] = field(default_factory=list)
    value: Any = ""
    error: str = ""
    children: list[Widget] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    initial: Any = ""  # the value the form opened with
    optional_group: bool = False
    one_of_list: bool = False  # a group that is the one item of a list


@dataclass
class Form:
    """A command's form: its inputs, the submission key, a form-level refusal."""

    spec: FormSpec
    command: Command[Any]
    widgets: list[Widget]
    submission: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    error: str = ""
    #: body values the page derives (not inputs): merged into the body
    fixed: dict[str, Any] = field(default_factory=dict)
    # a table's sent rows: the body's index → the row's index on the page
    _sent: dict[str, list[int]] = field(default_factory=dict)

    # -- what was posted ----------------------------------------------------------

    def bind(
        self, posted: Mapping[str, Any], getlist: Callable[[str], list[Any]]
    ) -> None:
        """Keep what was typed in every input (shown again on a refusal)."""
        key = posted.get(SUBMISSION)
        if isinstance(key, str) and 0 < len(key) <= 200 and key.isprintable():
            self.submission = key
        for widget in self._inputs():
            if widget.kind == MANY:
                widget.value = [str(v) for v in getlist(widget.path)]
            elif widget.kind == CHECK:
                widget.value = posted.get(widget.path) is not None
            elif widget.kind != HIDDEN:  # hidden values are the page's own
                widget.value = str(posted.get(widget.path) or "")

    def body(self) -> Body | None:
        """The command's body from the inputs, or None with each refusal of
        its validation placed beside its input."""
        data = _merged(self._data(self.widgets), self.fixed)
        try:
            made: Body = self.command.body.model_validate(data)
        except ValidationError as e:
            for error in e.errors():
                self._place_validation(error)
            return None
        return made

    def refuse(self, where: str | None, message: str) -> None:
        """Show a refusal about ``where`` (a body field: ``body.pupils.0.on``)
        beside its input; one about no input is shown over the form."""
        path = where or ""
        if path == "body" or path.startswith("body."):
            path = path[5:]
        widget, row = self._find(path)
        if widget is not None and widget.kind == ROWS:
            widget = _quoted_cell(widget, message) or widget
        if widget is None and row is None and where == "body":
            row = self._row_about(message)  # a rule's refusal naming no field
        if row is not None:
            row.error = _joined(row.error, message)
        elif widget is not None:
            widget.error = _joined(widget.error, message)
        else:
            self.error = _joined(self.error, message)

    @property
    def invalid(self) -> bool:
        return bool(self.error) or any(w.error for w in self._all())

    # -- the body from the inputs -------------------------------------------------

    def _data(self, widgets: Sequence[Widget]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for w in widgets:
            value = self._value(w)
            if value is not None:
                data[w.name] = value
        return data

    def _value(self, w: Widget) -> Any:
        if w.kind == GROUP:
            inner = self._data(w.children)
            if w.optional_group and not _filled(inner):
                return None
            return [inner] if w.one_of_list else inner
        if w.kind == ROWS:
            sent = [i for i, r in enumerate(w.rows) if _row_filled(r)]
            self._sent[w.path] = sent
            return [self._row(w.rows[i]) for i in sent]
        return _scalar(w)

    def _row(self, row: Row) -> dict[str, Any]:
        data = self._data(row.cells)
        for cell in row.cells:
            if cell.kind == HIDDEN:
                data[cell.name] = row.key
        return data

    # -- placing refusals ---------------------------------------------------------

    def _place_validation(self, error: Any) -> None:
        loc = [str(part) for part in error.get("loc", ())]
        path = ".".join(loc)
        if not loc:
            path = model_error_field(self.spec.command, str(error.get("msg", "")))
        self.refuse(path, russian_error(error, loc[-1] if loc else ""))

    def _find(self, path: str) -> tuple[Widget | None, Row | None]:
        """The input (or table row) a body path is about: the deepest one whose
        path it starts with; a hidden input's refusal goes to its row."""
        parts = self._page_path(path).split(".") if path else []
        rows = {
            f"{w.path}.{i}": row
            for w in self._all()
            if w.kind == ROWS
            for i, row in enumerate(w.rows)
        }
        inputs = {w.path: w for w in self._all()}
        while parts:
            candidate = ".".join(parts)
            if candidate in rows:
                return None, rows[candidate]
            found = inputs.get(candidate)
            if found is not None and found.kind != HIDDEN:
                return found, None
            parts.pop()
        return None, None

    def _row_about(self, message: str) -> Row | None:
        """The sent row a refusal about no field is about: the one whose key
        (a pupil's id) it names, or the only row sent."""
        sent = [
            table.rows[i]
            for table in self._all()
            if table.kind == ROWS
            for i in self._sent.get(table.path, [])
        ]
        named = [row for row in sent if row.key and row.key in message]
        if len(named) == 1:
            return named[0]
        return sent[0] if len(sent) == 1 else None

    def _page_path(self, path: str) -> str:
        """A body path with a table's index as the row's on the page (the body
        holds only the rows filled in)."""
        for table, sent in self._sent.items():
            head = table + "."
            if path.startswith(head):
                index, _, rest = path[len(head) :].partition(".")
                if index.isdigit() and int(index) < len(sent):
                    tail = f".{rest}" if rest else ""
                    return f"{head}{sent[int(index)]}{tail}"
        return path

    def _all(self) -> list[Widget]:
        found: list[Widget] = []

        def walk(widgets: Sequence[Widget]) -> None:
            for w in widgets:
                found.append(w)
                walk(w.children)
                for row in w.rows:
                    walk(row.cells)

        walk(self.widgets)
        return found

    def _inputs(self) -> list[Widget]:
        return [w for w in self._all() if w.kind not in (GROUP, ROWS)]


def generic_path(path: str) -> str:
    """``pupils.0.surname`` → ``pupils.surname``: the field, whatever the item."""
    return ".".join(p for p in path.split(".") if not p.isdigit())


def _scalar(w: Widget) -> Any:
    """The body value of one input: absent when left empty (the body's
    default then applies, or its «required» refusal)."""
    if w.kind == CHECK:
        return True if w.value else None
    if w.kind == MANY:
        return list(w.value) or None
    if w.kind == LINES:
        lines = [line.strip() for line in str(w.value).splitlines()]
        return [line for line in lines if line] or None
    text = str(w.value).strip()
    if not text:
        return None
    if w.kind == NUMBER:
        return int(text) if text.lstrip("-").isdigit() else text
    return text


def _filled(data: Any) -> bool:
    if isinstance(data, dict):
        return any(_filled(v) for v in data.values())
    if isinstance(data, list):
        return any(_filled(v) for v in data)
    return data is not None and data != ""


def _row_filled(row: Row) -> bool:
    """Whether anything in the row was changed from what the form opened with
    (a row left as it was is not sent)."""
    return any(_scalar(c) != _scalar(_opened(c)) for c in row.cells if c.kind != HIDDEN)


def _opened(w: Widget) -> Widget:
    return Widget(w.path, w.name, w.kind, w.label, value=w.initial)


def _merged(data: dict[str, Any], fixed: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with ``fixed`` laid over it, nested records merged."""
    merged = dict(data)
    for key, value in fixed.items():
        inner = merged.get(key)
        if isinstance(value, Mapping) and isinstance(inner, dict):
            merged[key] = _merged(inner, value)
        else:
            merged[key] = value
    return merged


def _quoted_cell(table: Widget, message: str) -> Widget | None:
    """The one cell of ``table`` whose value a refusal about the whole table
    quotes («grade '7' is not on the scale»), if exactly one is."""
    quoted = [
        cell
        for row in table.rows
        for cell in row.cells
        if cell.kind != HIDDEN
        and str(cell.value).strip()
        and any(q.format(str(cell.value).strip()) in message for q in ("'{}'", "«{}»"))
    ]
    return quoted[0] if len(quoted) == 1 else None


def _joined(first: str, second: str) -> str:
    return f"{first} {second}" if first else second
