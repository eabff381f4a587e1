"""A real record command for the co-signature tests: entering graduates in the
attestat book (``ledger.records.attestats``), as ``api.commands`` defines
commands, and a served school with graduates ready for it.

The attestat commands of ``api.commands`` are written beside this work; this
one wraps the same service, so the desk is tested on the real rules.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from api.commands import Body, Command
from api.server.accounts import Account
from api.server.cosign import CosignDesk, Need, PendingRequest, desk_for
from ledger.application import Signing
from ledger.domain.attestat import Blank, BlankKind, Recipient
from ledger.domain.attestation import Protocol
from ledger.domain.errors import AttestatError, AuthorityError, UnknownRecordError
from ledger.domain.school import Level
from ledger.records.attestats import AttestatRequest
from ledger.records.office import SchoolRecords
from tests.support.school import ISSUED_ON, graduate, stock_blanks
from tests.support.serving import Served


class OrderIn(Body):
    """The director's order on the issue («приказ»)."""

    number: str
    on: date


class GraduateIn(Body):
    """One graduate's attestat: the pupil and the blank it is printed on."""

    pupil: UUID
    series: str
    blank: str
    received_by: Recipient = Recipient.GRADUATE


class AttestatIssue(Body):
    """A class's graduates entered in the attestat book in one save."""

    class_id: UUID
    issued_on: date
    order: OrderIn
    graduates: list[GraduateIn]


def _issue(records: SchoolRecords, body: AttestatIssue, signing: Signing) -> Any:
    numbers = records.attestats.issue(
        class_id=body.class_id,
        requests=[
            AttestatRequest(g.pupil, Blank(g.series, g.blank), g.received_by)
            for g in body.graduates
        ],
        order=Protocol(body.order.number, body.order.on),
        issued_on=body.issued_on,
        signed_by=signing,
    )
    return {"numbers": numbers}


ATTESTAT_ISSUE: Command[AttestatIssue] = Command(
    name="attestats.issue",
    resource="attestats",
    path="/attestats",
    body=AttestatIssue,
    roles=("class_teacher",),
    run=_issue,
    summary_ru="Запись выпускников в книгу выдачи аттестатов",
    summary_en="Enter graduates in the attestat book",
    fields=(
        (AuthorityError, "body.class_id"),
        (UnknownRecordError, "body.class_id"),
        (AttestatError, "body.graduates"),
    ),
)


def issue_body(served: Served, *pupils: int, first_blank: int = 1) -> AttestatIssue:
    """The attestats of 9А's pupils ``pupils`` (indexes), on blanks numbered
    from ``first_blank``."""
    s = served.school
    return AttestatIssue(
        class_id=s.klass("9А"),
        issued_on=ISSUED_ON,
        order=OrderIn(number="81-о", on=ISSUED_ON),
        graduates=[
            GraduateIn(pupil=s.pupils[i], series="0925", blank=f"{first_blank + n:07d}")
            for n, i in enumerate(pupils)
        ],
    )


def graduates(served: Served, *pupils: int) -> CosignDesk:
    """Pupils of 9А ready for their attestats (decided, graded), the clock on
    the issue day; the office's desk serving the attestat command."""
    for i in pupils:
        graduate(served.school, served.school.pupils[i])
    served.school.clock.set(ISSUED_ON)
    if not served.school.records.attestats.blanks_on_hand(Level.BASIC, BlankKind.TITLE):
        numbers = [f"0925 {n:07d}" for n in range(1, 201)]
        stock_blanks(served.school, *numbers)
    desk = desk_for(served.office)
    desk.serve(ATTESTAT_ISSUE)
    return desk


def account(served: Served, name: str) -> Account:
    found = served.office.accounts.get(name)
    assert found is not None
    return found


def submit(served: Served, *pupils: int, **kwargs: Any) -> PendingRequest:
    """The class teacher of 9А (account ``maths``) submits the attestats."""
    return desk_for(served.office).submit(
        ATTESTAT_ISSUE, issue_body(served, *pupils, **kwargs), account(served, "maths")
    )


def signatures(served: Served, name: str) -> list[str]:
    """The keys that signed stored event ``<stream>:<seq>``, in order."""
    stream, seq = name.split(":")
    [stored] = served.office.app.recorder.select_events(
        UUID(stream), gt=int(seq) - 1, lte=int(seq), limit=1
    )
    return [s["key"] for s in json.loads(stored.state)["sigs"]]


def rows(served: Served) -> int:
    """Rows of the co-signature table (every state change is one)."""
    return desk_for(served.office).requests.count()


def waiting_request() -> PendingRequest:
    """A pending request as the desk writes it (for the table's own tests)."""
    at = datetime(2025, 6, 25, 9, tzinfo=UTC)
    return PendingRequest(
        id=uuid.uuid4(),
        version=1,
        state="pending",
        command=ATTESTAT_ISSUE.name,
        body={"class_id": str(uuid.uuid4())},
        body_hash="sha256:" + "0" * 64,
        submitted_by="maths",
        submitter_staff=uuid.uuid4(),
        submitter_key="ed25519:test",
        submitted_at=at,
        expires_at=at + timedelta(days=7),
        needs=(Need("director", None, "директор"),),
        event_types=("attestat.AttestatIssued",),
        subject=("attestat.AttestatIssued:pupil",),
        summary="Запись выпускников в книгу выдачи аттестатов.",
    )
