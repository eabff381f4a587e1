"""Record forms from a test: what a page's form would send, what it refused
beside which input, and what the log holds afterwards.

:func:`form_values` reads a form as a browser would send it untouched (every
input, the selected option of each select, textareas); :func:`field_errors`
reads the refusals shown beside inputs (``<span class="field-error"
id="e-PATH">``); :func:`logged` lists the envelopes appended after a point.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from api.server.office import Office


@dataclass
class _Form:
    action: str
    values: dict[str, Any] = field(default_factory=dict)


class _Forms(HTMLParser):
    """Every form of a page with the values it would send as it stands."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self.errors: dict[str, str] = {}
        self._select: str | None = None
        self._first: str | None = None
        self._area: str | None = None
        self._error: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(_Form(a.get("action", "")))
        elif tag == "input" and self.forms and "name" in a:
            kind = a.get("type", "text")
            if kind == "checkbox" and "checked" not in a:
                return
            if kind != "file":
                self.forms[-1].values[a["name"]] = a.get("value", "")
        elif tag == "select" and self.forms:
            self._select, self._first = a.get("name"), None
            if self._select and "multiple" in a:
                self.forms[-1].values[self._select] = []
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            current = self.forms[-1].values.get(self._select)
            if isinstance(current, list):
                if "selected" in a:
                    current.append(value)
            elif "selected" in a or self._select not in self.forms[-1].values:
                self.forms[-1].values[self._select] = value
        elif tag == "textarea" and self.forms:
            self._area, self._text = a.get("name"), []
        elif tag in ("span", "p") and "field-error" in a.get("class", ""):
            self._error, self._text = a.get("id", "").removeprefix("e-"), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._area is not None:
            self.forms[-1].values[self._area] = "".join(self._text)
            self._area = None
        elif tag in ("span", "p") and self._error is not None:
            self.errors[self._error or f"#{len(self.errors)}"] = "".join(self._text)
            self._error = None

    def handle_data(self, data: str) -> None:
        if self._area is not None or self._error is not None:
            self._text.append(data)


def _parsed(page: str) -> _Forms:
    parser = _Forms()
    parser.feed(page)
    return parser


def form_values(page: str, action: str | None = None) -> dict[str, Any]:
    """What the form (posting to ``action``, or the last with a submission
    key) would send untouched."""
    forms = _parsed(page).forms
    if action is not None:
        found = [f for f in forms if f.action.split("?")[0] == action]
    else:
        found = [f for f in forms if "submission" in f.values]
    assert found, f"no such form on the page (forms: {[f.action for f in forms]})"
    return dict(found[-1].values)


def field_errors(page: str) -> dict[str, str]:
    """The refusals shown beside inputs, by the input's body path."""
    return _parsed(page).errors


def position(app: FastAPI) -> int:
    """How many envelopes the log holds."""
    office: Office = app.state.office
    return int(office.app.recorder.max_notification_id() or 0)


def logged(app: FastAPI, after: int) -> list[dict[str, Any]]:
    """The envelopes appended after position ``after``, in order."""
    office: Office = app.state.office
    found = office.app.recorder.select_notifications(after + 1, 10_000)
    return [json.loads(n.state) for n in found]


def send(
    client: TestClient, path: str, changes: dict[str, Any], **kwargs: Any
) -> Response:
    """Open the form at ``path``, change ``changes`` and post it (no redirect
    followed)."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    values = {**form_values(page.text), **changes}
    action = path
    answer: Response = client.post(
        action, data=values, follow_redirects=False, **kwargs
    )
    return answer
