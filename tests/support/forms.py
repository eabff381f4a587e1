"""A page's form as a browser would send it, read from the HTML.

``form_fields(html, action)`` gives the fields of the form posting to
``action`` that a browser submits untouched: hidden and text inputs with their
values, each select's chosen option (else its first), ticked boxes only; the
submit button adds nothing. Tests then change what a person would type and
post the rest as it stands (the CSRF token, the submission key, pupil ids).
"""

from __future__ import annotations

from html.parser import HTMLParser


class _Form(HTMLParser):
    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.found = False
        self.fields: dict[str, str] = {}
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("action") == self.action and not self.found:
            self.inside = self.found = True
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button"):
                self.fields.setdefault(a["name"], a.get("value", ""))
        elif tag == "select" and a.get("name"):
            self.select, self.options = a["name"], []
        elif tag == "option" and self.select is not None:
            self.options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self.fields.setdefault(a["name"], "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self.select is not None:
            chosen = [v for v, selected in self.options if selected]
            first = [v for v, _ in self.options[:1]]
            self.fields.setdefault(self.select, (chosen or first or [""])[0])
            self.select = None


def form_fields(html: str, action: str) -> dict[str, str]:
    """The fields the form posting to ``action`` sends as it stands."""
    parser = _Form(action)
    parser.feed(html)
    assert parser.found, f"the page has no form posting to {action}"
    return parser.fields
