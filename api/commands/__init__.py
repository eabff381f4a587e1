"""Record commands, front-end neutral: one table that the HTTP API and the
command line both serve.

A :class:`Command` names one kind of record a person enters (``classes.open``,
``attestats.issue``…): its request body (a pydantic model that forbids unknown
fields), the account roles that may send it, and how it runs on the school's
records services with the sender's signing. The HTTP routers (one per
resource, ``api.server.routers.records``) and ``letopis record KIND`` are made
from the same table, so both take the same body, the same rules and give the
same errors. Each area's commands live in their own module here
(``school``, ``people``, ``attestation``, ``council``, ``attestats``,
``portfolio``) and are listed in its ``COMMANDS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from ledger.application import Signing
from ledger.domain.errors import DomainError
from ledger.records.office import SchoolRecords


class Body(BaseModel):
    """A request body: unknown fields are refused (a typo must not save an
    empty record), strings are stripped of surrounding blanks."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


B = TypeVar("B", bound=Body)


@dataclass(frozen=True)
class Command(Generic[B]):
    """One kind of record: its body, who may send it, and how it runs.

    ``run(records, body, signing)`` makes the record through the records
    services in one signed save (or refuses with a DomainError, writing
    nothing) and returns what the caller needs to act next (ids it made, as
    JSON values); the appended events' names are added by the front end.
    ``fields`` maps each rule's error type to the body field it is about,
    for the problem's ``field`` (the first match wins; default ``body``).
    """

    name: str  # "<resource>.<verb>", e.g. "classes.open"
    resource: str  # the router and OpenAPI tag, e.g. "classes"
    path: str  # the HTTP path it is POSTed to, e.g. "/classes"
    body: type[B]
    roles: tuple[str, ...]
    run: Callable[[SchoolRecords, B, Signing], Any]
    summary_ru: str
    summary_en: str
    fields: tuple[tuple[type[DomainError], str], ...] = field(default=())

    def field_of(self, error: DomainError) -> str:
        return next((f for cls, f in self.fields if isinstance(error, cls)), "body")
