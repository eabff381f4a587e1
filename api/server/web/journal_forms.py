"""What the teacher's forms share: the typed input, refusals placed on fields,
the submission key, and running a record command of the API's table.

Every form carries a random ``submission`` (one per rendered form) that
becomes the append's idempotency key: the same form sent twice appends once
(the second post gets the first one's answer). A refusal, of the body's shape
(the command's own body model) or of a rule, is placed on the form field it
names, in Russian, with the rule's own detail beside it; nothing is written.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from api.commands.catalog import command as command_named
from api.server.custody import NoCustodialKeyError
from api.server.problems import ProblemError
from api.server.submit import submit
from api.server.web.journal_words import invalid_text, rule_text
from api.server.web.pages import WebUser

_SUBMISSION = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_submission() -> str:
    """A random name for one rendered form: a second post of it appends once."""
    return secrets.token_urlsafe(18)


def first_values(items: list[tuple[str, Any]]) -> dict[str, str]:
    """A posted form's text fields, the first value of each name."""
    values: dict[str, str] = {}
    for name, value in items:
        if isinstance(value, str) and name not in values:
            values[name] = value
    return values


@dataclass
class FormState:
    """A form as typed, and the refusals placed on its fields ("" is the
    form as a whole)."""

    values: dict[str, str] = field(default_factory=dict)
    submission: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _SUBMISSION.fullmatch(self.submission):
            given = self.values.get("submission", "")
            self.submission = (
                given if _SUBMISSION.fullmatch(given) else new_submission()
            )

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def refuse(self, name: str, message: str, detail: str = "") -> None:
        """Place a refusal on field ``name``; the first one of a field stays."""
        if name not in self.errors:
            self.errors[name] = message
            self.details[name] = detail

    @property
    def alert(self) -> str:
        return self.errors.get("", "")

    @property
    def alert_detail(self) -> str:
        return self.details.get("", "")

    @property
    def refused(self) -> bool:
        return bool(self.errors)


def body_field(loc: tuple[Any, ...] | str | None) -> str:
    """A body location (``body.reason`` or ``("reason",)``) as a form field
    name (``reason``); "" for the body as a whole."""
    parts = loc.split(".") if isinstance(loc, str) else [str(p) for p in loc or ()]
    if parts[:1] == ["body"]:
        parts = parts[1:]
    return ".".join(parts)


def run_command(
    user: WebUser,
    name: str,
    body: dict[str, Any],
    form: FormState,
    field_of: Callable[[str, str], str] = lambda where, _: where,
) -> bool:
    """Run record command ``name`` of the API's table with ``body`` for the
    signed-in person, as ``POST`` of its route does (``api.server.submit``);
    False, with the refusal placed on ``form`` (``field_of`` maps a body
    field, and the refusal's detail, to the form's field), when its body or
    a rule refuses it."""
    command = command_named(name)
    assert command is not None, name
    try:
        parsed = command.body.model_validate(body)
    except ValidationError as e:
        for error in e.errors():
            where = field_of(body_field(error["loc"]), "")
            form.refuse(where, invalid_text(error["type"], error.get("ctx")))
        return False
    key = f"web-{name}:{form.submission}"
    try:
        submit(user.office, command, parsed, user.account, key)
    except ProblemError as e:
        form.refuse(field_of(body_field(e.field), e.detail), rule_text(e), e.detail)
        return False
    except NoCustodialKeyError as e:
        form.refuse("", "Сервер не хранит ваш ключ подписи.", str(e))
        return False
    return True
