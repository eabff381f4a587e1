"""The teacher's pages (issue 14): my classes, the journal, its cells,
substitutions and period grades.

Each idea has its module (``journal_home``, ``journal_page``, ``journal_cell``,
``journal_subs``, ``journal_grades``, ``journal_grade_fix``); this one gathers
their routes into one router for :func:`api.server.web.install`, and gives
the templates the school's date and number formats.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.server.web import (
    journal_cell,
    journal_grade_fix,
    journal_grades,
    journal_home,
    journal_page,
    journal_subs,
)
from api.server.web.journal_words import install_filters
from api.server.web.pages import templates

install_filters(templates.env)

router = APIRouter(include_in_schema=False)
# the cells first: /app/journal/entries/… is not a class's journal
PARTS = (
    journal_home,
    journal_cell,
    journal_grades,
    journal_grade_fix,
    journal_page,
    journal_subs,
)
for part in PARTS:
    router.include_router(part.router)
