"""Laying a command's body out as a form's inputs.

Each field of the body's pydantic model becomes an input named by its path
in the body (``pupils.0.surname``): text, a date, a number, a checkbox, a
select (an enumeration, with Russian names, or the school's choices the page
gives), several choices, or one value a line; a nested record becomes a
group of inputs, the one record of a list a group too, and a list the
:class:`~api.server.web.forms.FormSpec` names becomes a table with a row per
choice of its key (a row per pupil). The kind of input comes from the
field's type; its label and help from :mod:`api.server.web.forms_labels`.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin
from uuid import UUID

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from api.commands import Command
from api.server.web.forms import (
    AREA,
    CHECK,
    DATE,
    GROUP,
    HIDDEN,
    LINES,
    LONG_TEXT,
    MANY,
    NUMBER,
    ROWS,
    SELECT,
    TEXT,
    Form,
    FormSpec,
    Option,
    Row,
    Widget,
    generic_path,
)
from api.server.web.forms_labels import enum_choices, hint_of, label_of


def build_form(
    command: Command[Any],
    spec: FormSpec,
    options: Mapping[str, Sequence[Option]],
    initial: Mapping[str, Any] | None = None,
) -> Form:
    """The form of ``command`` laid out by ``spec``; ``options`` are the choices
    of selects by field (``class_id``) or by path without indexes
    (``results.pupil``); ``initial`` the first values by path."""
    maker = _Maker(spec, options, initial or {})
    return Form(spec, command, maker.fields(command.body, ""))


@dataclass
class _Maker:
    spec: FormSpec
    options: Mapping[str, Sequence[Option]]
    initial: Mapping[str, Any]

    def fields(self, model: type[BaseModel], prefix: str) -> list[Widget]:
        made = []
        for name, info in model.model_fields.items():
            path = f"{prefix}{name}"
            generic = generic_path(path)
            if generic in self.spec.omit:
                continue
            made.append(self.widget(name, path, info))
        return made

    def widget(self, name: str, path: str, info: FieldInfo) -> Widget:
        generic = generic_path(path)
        annotation, optional = _unwrap(info.annotation)
        w = Widget(
            path=path,
            name=name,
            kind=TEXT,
            label=label_of(self.spec.command, generic, info.description),
            hint=hint_of(self.spec.command, generic),
            required=info.is_required(),
            maxlength=_max_length(info),
        )
        if generic in self.spec.hidden:
            w.kind = HIDDEN
            w.value = str(self.initial.get(path, ""))
            return w
        item = _item_type(annotation)
        if item is not None and _is_model(item):
            return self._records(w, item, info)
        if _is_model(annotation):
            w.kind = GROUP
            w.optional_group = optional or not info.is_required()
            w.children = self.fields(annotation, f"{path}.")
            return w
        self._scalar(w, annotation, item, info)
        return w

    def _records(self, w: Widget, item: type[BaseModel], info: FieldInfo) -> Widget:
        key = self.spec.rows.get(w.path)
        if key is None:  # one record of the list, as a group of inputs
            w.kind = GROUP
            w.one_of_list = True
            w.optional_group = not info.is_required()
            w.children = self.fields(item, f"{w.path}.0.")
            return w
        w.kind = ROWS
        choices = self.options.get(f"{w.path}.{key}") or self.options.get(key, [])
        for i, choice in enumerate(choices):
            cells = self.fields(item, f"{w.path}.{i}.")
            for cell in cells:
                if cell.name == key:
                    cell.kind, cell.value = HIDDEN, choice.value
            w.rows.append(Row(choice.value, choice.label, cells))
        return w

    def _scalar(self, w: Widget, annotation: Any, item: Any, info: FieldInfo) -> None:
        generic = generic_path(w.path)
        choices = self.options.get(generic) or self.options.get(w.name)
        start = self.initial.get(w.path, info.default)
        if item is not None:  # a list of values: choose several, or one a line
            w.kind = MANY if choices else LINES
            w.options = list(choices or [])
            w.value = w.initial = [] if w.kind == MANY else ""
            return
        if isinstance(annotation, type) and issubclass(annotation, Enum):
            w.kind = SELECT
            w.options = list(choices or [Option(*c) for c in enum_choices(annotation)])
        elif choices is not None:
            w.kind = SELECT
            w.options = list(choices)
        elif annotation is bool:
            w.kind = CHECK
            w.value = w.initial = bool(start) if isinstance(start, bool) else False
            return
        elif annotation is date:
            w.kind = DATE
        elif annotation is int:
            w.kind = NUMBER
        elif annotation is UUID:
            w.kind = TEXT
        elif (w.maxlength or 0) > LONG_TEXT:
            w.kind = AREA
        w.value = w.initial = _shown(start)


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``| None``, and whether it had it."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _item_type(annotation: Any) -> Any:
    """The item type of a list or tuple annotation, else None."""
    if get_origin(annotation) in (list, tuple):
        args = [a for a in get_args(annotation) if a is not Ellipsis]
        if args:
            item, _ = _unwrap(args[0])
            return get_args(item)[0] if get_origin(item) is Annotated else item
    return None


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _max_length(info: FieldInfo) -> int | None:
    for meta in info.metadata:
        found = getattr(meta, "max_length", None)
        if isinstance(found, int):
            return found
    return None


def _shown(value: Any) -> str:
    if value is None or type(value).__name__ == "PydanticUndefinedType":
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, tuple | list):
        return ""
    return str(value)
