"""The co-signature desk: records that need a second signature wait here.

An attestat entry is certified by the class teacher and the director (§7.3.5);
the signing policy's ``[cosign]`` table names every such event type and the
roles that must co-sign it. The first signer **submits** the record command;
when the ledger refuses to append it under the signing policy (nothing is
written), :func:`held` makes a dry run of it (as :meth:`Office.prepare_with`
does, nothing written) to see which event types it makes, and so whether it
needs co-signing and by whom. If it does, the command and its body wait here
as a **pending request**, which puts nothing in the log. The co-signer
reviews it (:meth:`CosignDesk.preview` re-runs the dry run: what would be
appended now) and **signs** or **declines** with a reason. Only when every
required co-signer has signed is the command run again, with the rules
checked again, and appended as one save whose envelopes carry the author's
signature first and the co-signers' after (``Signing(author, cosigners)``).
Nothing half-signed ever enters the log.

Who must co-sign: by role, from the policy in force (the director); where
the record names a person for that role (the class teacher of the entry's
class), that person. The submitter never co-signs their own request.

States (``PendingRequest.state``): ``pending`` → ``signed`` | ``declined`` |
``expired`` | ``superseded``. A request expires ``Settings.cosign_days`` after
its submission (a pending request past that reads as expired at once;
:meth:`CosignDesk.expire` writes the expiry down). A submitter's new request
for the same command and the same subject (the same pupils' entries)
supersedes their earlier pending ones: only one of them could be signed.
A request that no longer passes the rules when it is signed is refused with
the rule's error and **stays pending** (a refusal writes nothing): the
co-signer declines it with that reason, or the submitter submits it again.

Every state is a new row of the insert-only table ``api_cosignatures``
(``api.server.tables.COSIGNATURES``); the latest version of a request wins,
two deciders racing on one version collide on its primary key. Signing is
made exactly-once with the server's idempotency table: the append inserts,
in the events' own transaction, the answer for the pseudo-account
``cosign:<request id>`` (logins cannot hold ``:``), so a request's events are
appended at most once, and a request whose ``signed`` row was lost after its
append (a crash between the two) is repaired from that answer when next read.

Signing here is custodial (the server keeps both keys). Client-signed
co-signatures (issue 14) fit the same rows: :meth:`CosignDesk.preview` gives
the exact envelopes to sign, an approval then carries the signer's detached
signature instead of naming a custodial key, and the final append uses the
collected signatures (``api.server.presigned``) instead of the key directory.
"""

from __future__ import annotations

import hashlib
import importlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

from eventsourcing.persistence import StoredEvent
from pydantic import ValidationError

from api.commands import Body, Command
from api.server.accounts import Account
from api.server.cosign_requests import (
    DECLINED,
    EXPIRED,
    PENDING,
    SIGNED,
    STATES,
    SUPERSEDED,
    Approval,
    CommandNotServedError,
    CosignError,
    CosignStore,
    Need,
    NotCosignedError,
    OwnRequestError,
    PendingRequest,
    Preview,
    RequestChangedError,
    RequestClosedError,
    RequestKind,
    SubmitterChangedError,
    UnknownRequestError,
    WrongCosignerError,
    preview_of,
)
from api.server.cosign_text import ROLE_RU, summary
from api.server.idempotency import Answer, Pending, keeping
from api.server.office import Office
from api.server.tables import COSIGNATURES, side_store
from ledger.application import Signing
from ledger.domain.classes import SchoolClass
from ledger.envelope import Envelope, Signer, canonical
from ledger.errors import LedgerError, PolicyError

MAX_REASON = 500
CATALOG = "api.commands.catalog"
KINDS = "api.server.key_requests"  # request kinds besides the record commands
#: The pseudo-account of a request's exactly-once append in the idempotency table.
MARKER_PREFIX = "cosign:"
MARKER_KEY = "sign"
_REQUEST_IDS = UUID("6b1c9f5e-3d0a-4c55-9a57-1f0d5c2b8e41")  # uuid5 namespace


# -- the desk -----------------------------------------------------------------------


def catalog_commands() -> tuple[Command[Any], ...]:
    """Every record command of ``api.commands.catalog`` (``all_commands()``):
    the table the desk runs requests from. Looked up when the desk is made,
    as the catalog is written beside this module (issue 12); empty until it
    is there."""
    try:
        catalog = importlib.import_module(CATALOG)
    except ModuleNotFoundError as e:
        if e.name != CATALOG:
            raise
        return ()
    commands: tuple[Command[Any], ...] = tuple(catalog.all_commands())
    return commands


class CosignDesk:
    """Pending co-signature requests of one office: submit, list, show, sign,
    decline, expire."""

    def __init__(
        self,
        office: Office,
        commands: Iterable[Command[Any]] = (),
        *,
        ttl: timedelta | None = None,
        kinds: Iterable[RequestKind] = (),
    ) -> None:
        self.office = office
        self.requests = CosignStore(side_store(office.app, COSIGNATURES))
        self.commands: dict[str, Command[Any]] = {}
        self.kinds = {kind.name: kind for kind in kinds}
        self.ttl = ttl or timedelta(days=office.settings.cosign_days)
        self.serve(*commands)

    def serve(self, *commands: Command[Any]) -> None:
        """Run requests of ``commands`` (by name) when they are signed."""
        for command in commands:
            self.commands[command.name] = command

    # -- submitting -----------------------------------------------------------------

    def needs_cosignature(
        self, command: Command[Any], body: Body, account: Account
    ) -> tuple[str, ...]:
        """The roles that must co-sign what ``command`` makes of ``body`` when
        ``account`` authors it (empty: append it at once). A dry run: nothing
        is written; the rules' refusals are raised as they would be. Without
        a ``[cosign]`` table in the policy in force, no dry run is needed."""
        policy = self.office.app.context.policies.require_signing(fresh=True)
        if not any(policy.cosign.values()):
            return ()
        key = self._author_key(account)
        envelopes = self._dry_run(command, body, key)
        return tuple(n.role for n in self._needs(envelopes, key))

    def submit(
        self,
        command: Command[Any],
        body: Body,
        account: Account,
        *,
        idempotency_key: str | None = None,
    ) -> PendingRequest:
        """Hold ``command`` with ``body``, authored by ``account``, for
        co-signing; nothing enters the log. NotCosignedError if it needs no
        co-signature. With ``idempotency_key``, a retry (same account, key and
        body) gets the request made the first time."""
        key = self._author_key(account)
        body_json = body.model_dump(mode="json")
        digest = "sha256:" + hashlib.sha256(canonical(body_json)).hexdigest()
        request_id = _request_id(account, idempotency_key)
        earlier = self.requests.latest(request_id)
        if earlier is not None:
            return _replayed(earlier, digest, idempotency_key)
        envelopes = self._dry_run(command, body, key)
        needs = self._needs(envelopes, key)
        if not needs:
            msg = (
                f"{command.name} makes {', '.join(e.type for e in envelopes)}, which "
                "the signing policy lets the author sign alone; it is appended at "
                "once, not held for co-signing"
            )
            raise NotCosignedError(msg, field="body", allowed="send it to its endpoint")
        self.serve(command)
        now = self.office.now()
        assert account.staff is not None  # checked by _author_key
        request = PendingRequest(
            id=request_id,
            version=1,
            state=PENDING,
            command=command.name,
            body=body_json,
            body_hash=digest,
            submitted_by=account.name,
            submitter_staff=account.staff,
            submitter_key=key,
            submitted_at=now,
            expires_at=now + self.ttl,
            needs=needs,
            event_types=tuple(dict.fromkeys(e.type for e in envelopes)),
            subject=_subject(envelopes),
            summary=summary(self.office, command, account, envelopes, now),
        )
        self.requests.append(request, now)
        self._supersede(request, now)
        return request

    def _author_key(self, account: Account) -> str:
        """The key the server keeps for ``account``, a staff member's."""
        if account.staff is None:
            msg = f"account {account.name!r} is no staff member; it signs no records"
            raise WrongCosignerError(msg, field="account", allowed="a staff account")
        return self.office.custodial(account).author.key_id

    def _dry_run(self, command: Command[Any], body: Body, key: str) -> list[Envelope]:
        """The unsigned envelopes ``command`` makes of ``body`` now when ``key``
        authors it; nothing is written (:meth:`Office.prepare_with`)."""
        return self.office.prepare_with(
            key, (), lambda records, signing: command.run(records, body, signing)
        )

    def _needs(self, envelopes: Sequence[Envelope], key: str) -> tuple[Need, ...]:
        """Who must co-sign ``envelopes``: each role the policy in force names
        for their types, once, and the named person where the record has one.
        PolicyError if the author's key may not sign them at all."""
        app = self.office.app
        policy = app.context.policies.require_signing(fresh=True)
        needs: dict[str, Need] = {}
        for envelope in envelopes:
            for role in policy.cosigners_for(envelope.type):
                if role not in needs:
                    needs[role] = self._named(role, envelope)
        if needs:
            # refused now, not after the co-signer has reviewed it
            record = app.context.registry.get(key, fresh=True)
            for envelope in envelopes:
                policy.check_author(envelope.type, record.key, record.roles)
        return tuple(needs.values())

    def _named(self, role: str, envelope: Envelope) -> Need:
        """The co-signer of ``role`` for ``envelope``: the class teacher of the
        record's class when the role is the class teacher's; else anyone with
        the role (the school has one director)."""
        who = ROLE_RU.get(role, role)
        class_id = envelope.data.get("class_id")
        if role != "class_teacher" or not class_id:
            return Need(role, None, who)
        with self.office.reading() as ctx:
            klass = ctx.view(SchoolClass, UUID(str(class_id)))
        if klass is None:
            return Need(role, None, who)
        return Need(role, klass.class_teacher, f"{who} {klass.name}")

    def _supersede(self, request: PendingRequest, now: datetime) -> None:
        """The submitter's earlier open requests of the same command and an
        overlapping subject are superseded by ``request``."""
        for earlier in self.requests.current():
            if (
                earlier.id != request.id
                and earlier.state_at(now) == PENDING
                and earlier.command == request.command
                and earlier.submitted_by == request.submitted_by
                and set(earlier.subject) & set(request.subject)
            ):
                self.requests.append(
                    replace(
                        earlier,
                        version=earlier.version + 1,
                        state=SUPERSEDED,
                        decided_by=request.submitted_by,
                        decided_at=now,
                        reason=f"заменён запросом {request.id}",
                        superseded_by=request.id,
                    ),
                    now,
                )

    # -- reading --------------------------------------------------------------------

    def visible(
        self, account: Account, *, closed: bool = False
    ) -> list[PendingRequest]:
        """Requests ``account`` may sign or has submitted (or gave a
        co-signature to); only open ones unless ``closed``."""
        now = self.office.now()
        found = []
        for request in self.requests.current():
            request = self._repaired(request, now)
            if not request.visible_to(account):
                continue
            if closed or request.state_at(now) == PENDING:
                found.append(request)
        return found

    def show(self, request_id: UUID, account: Account) -> PendingRequest:
        """One request ``account`` may see; UnknownRequestError if none."""
        request = self.requests.latest(request_id)
        if request is None or not request.visible_to(account):
            msg = (
                f"no co-signature request {request_id} is visible to account "
                f"{account.name!r}"
            )
            raise UnknownRequestError(
                msg,
                field="path.id",
                allowed="the id of a request you submitted or may co-sign "
                "(GET /cosignatures)",
            )
        return self._repaired(request, self.office.now())

    def preview(self, request: PendingRequest) -> Preview:
        """What signing ``request`` would append now (a dry run, nothing
        written); the rule's error when it no longer passes."""
        kind = self.kinds.get(request.command)
        if kind is not None:
            return kind.preview(request)
        try:
            command = self._command(request)
            body = self._body(command, request)
            envelopes = self._dry_run(command, body, request.submitter_key)
        except LedgerError as e:
            return Preview(refused=str(e))
        return preview_of(envelopes)

    def history(self, request_id: UUID) -> list[PendingRequest]:
        return self.requests.history(request_id)

    # -- deciding -------------------------------------------------------------------

    def sign(
        self, request_id: UUID, account: Account, *, reviewed: str | None = None
    ) -> PendingRequest:
        """``account`` co-signs: its approval is kept, and when it is the last
        one missing the command runs again and is appended with the author's
        and every co-signer's signature. ``reviewed`` (a preview's digest),
        when given, must still match what would be appended."""
        request, need = self._deciding(request_id, account, "sign")
        now = self.office.now()
        key = self.office.custodial(account).author.key_id
        if reviewed is not None and self.preview(request).digest != reviewed:
            msg = (
                f"what request {request.id} would append changed since it was "
                "reviewed; nothing was signed"
            )
            raise RequestChangedError(
                msg, field="body.reviewed", allowed="review it again (GET) and sign"
            )
        assert account.staff is not None
        role = need.role_of(account)
        approval = Approval(role, account.name, str(account.staff), key, _iso(now))
        approved = replace(
            request,
            version=request.version + 1,
            approvals=(*request.approvals, approval),
        )
        if approved.open_needs():
            self.requests.append(approved, now)
            return approved
        events = self._append(approved)
        signed = replace(
            approved,
            state=SIGNED,
            decided_by=account.name,
            decided_at=now,
            events=events,
        )
        self.requests.append(signed, now)
        return signed

    def decline(
        self, request_id: UUID, account: Account, reason: str
    ) -> PendingRequest:
        """``account`` refuses to co-sign, saying why; nothing is appended."""
        text = reason.strip()
        if not text or len(text) > MAX_REASON:
            msg = f"a decline needs its reason (1 to {MAX_REASON} characters)"
            raise CosignError(
                msg, field="body.reason", allowed=f"1 to {MAX_REASON} characters"
            )
        request, _ = self._deciding(request_id, account, "decline")
        now = self.office.now()
        declined = replace(
            request,
            version=request.version + 1,
            state=DECLINED,
            decided_by=account.name,
            decided_at=now,
            reason=text,
        )
        self.requests.append(declined, now)
        return declined

    def expire(self) -> list[PendingRequest]:
        """Write down the expiry of every pending request past its time."""
        now = self.office.now()
        expired = []
        for request in self.requests.current():
            request = self._repaired(request, now)
            if request.state == PENDING and request.state_at(now) == EXPIRED:
                done = replace(
                    request,
                    version=request.version + 1,
                    state=EXPIRED,
                    decided_by="server",
                    decided_at=now,
                    reason="истёк срок ожидания подписи",
                )
                self.requests.append(done, now)
                expired.append(done)
        return expired

    def _deciding(
        self, request_id: UUID, account: Account, verb: str
    ) -> tuple[PendingRequest, Need]:
        """The open request and the need ``account`` meets, or why not."""
        request = self.requests.latest(request_id)
        if request is None:
            msg = f"no co-signature request {request_id}"
            raise UnknownRequestError(
                msg, field="path.id", allowed="an id listed by GET /cosignatures"
            )
        request = self._repaired(request, self.office.now())
        if request.submitted_by_account(account):
            msg = (
                f"account {account.name!r} submitted request {request.id} and may "
                f"not {verb} it as its co-signer; it waits for "
                f"{_who(request.open_needs() or request.needs)}"
            )
            raise OwnRequestError(
                msg,
                field="path.id",
                allowed=_who(request.open_needs() or request.needs),
            )
        if not any(n.met_by(account) for n in request.needs):
            msg = (
                f"account {account.name!r} ({', '.join(account.roles)}) may not "
                f"{verb} request {request.id}; it needs {_who(request.needs)}"
            )
            raise WrongCosignerError(msg, field="path.id", allowed=_who(request.needs))
        self._check_open(request)
        need = next((n for n in request.open_needs() if n.met_by(account)), None)
        if need is None:
            waiting = request.open_needs()
            msg = (
                f"account {account.name!r} co-signed request {request.id} already; "
                f"it waits for {_who(waiting)}"
            )
            raise WrongCosignerError(msg, field="path.id", allowed=_who(waiting))
        return request, need

    def _check_open(self, request: PendingRequest) -> None:
        now = self.office.now()
        state = request.state_at(now)
        if state == PENDING:
            return
        if state == EXPIRED:
            msg = (
                f"co-signature request {request.id} expired on "
                f"{_moment(request.expires_at)}; nothing was signed"
            )
        else:
            by = f" by {request.decided_by}" if request.decided_by else ""
            at = f" on {_moment(request.decided_at)}" if request.decided_at else ""
            why = f" ({request.reason})" if request.reason else ""
            msg = f"co-signature request {request.id} was {state}{by}{at}{why}"
        raise RequestClosedError(
            msg,
            field="path.id",
            allowed="a pending request; the submitter may submit the record again",
        )

    def _append(self, request: PendingRequest) -> tuple[str, ...]:
        """Run the request's command with the author's and the co-signers'
        keys, appended once (the marker in the idempotency table)."""
        office = self.office
        cosigners = tuple(
            office.custodial(self._approver(a)).author for a in self._ordered(request)
        )
        marker = Pending(
            MARKER_PREFIX + str(request.id),
            MARKER_KEY,
            request.body_hash,
            _answer(request.approvals),
        )
        try:
            with keeping(marker):
                self._run(request, cosigners)
        except LedgerError:
            if self._marker(request) is not None:
                msg = f"co-signature request {request.id} was signed meanwhile"
                raise RequestClosedError(
                    msg, field="path.id", allowed="a pending request"
                ) from None
            raise
        if marker.kept is None:  # pragma: no cover - every command appends
            msg = f"{request.command} appended nothing; the request stays pending"
            raise LedgerError(msg)
        return tuple(marker.kept.response["events"])

    def _run(self, request: PendingRequest, cosigners: tuple[Signer, ...]) -> None:
        """Append the request: its kind's events, or its command run again
        with the submitter's key and the co-signers'."""
        kind = self.kinds.get(request.command)
        if kind is not None:
            kind.append(request, cosigners)
            return
        command = self._command(request)
        body = self._body(command, request)
        signing = Signing(self._submitter_signing(request), cosigners)
        self.office.run(lambda records: command.run(records, body, signing))

    def _ordered(self, request: PendingRequest) -> list[Approval]:
        """Approvals in the order of the needs (the policy's order)."""
        left = list(request.approvals)
        ordered = []
        for need in request.needs:
            found = next(a for a in left if need.takes(a.role))
            left.remove(found)
            ordered.append(found)
        return ordered

    def _submitter_signing(self, request: PendingRequest) -> Signer:
        account = self.office.accounts.get(request.submitted_by)
        if account is None:
            msg = (
                f"the submitter's account {request.submitted_by!r} is no longer "
                "active; nothing was signed"
            )
            raise SubmitterChangedError(
                msg, field="path.id", allowed="decline it; the record is submitted anew"
            )
        signer: Signer = self.office.custodial(account).author
        if signer.key_id != request.submitter_key:
            msg = (
                "the submitter's key changed since the request "
                f"({request.submitter_key} → {signer.key_id}); nothing was signed"
            )
            raise SubmitterChangedError(
                msg, field="path.id", allowed="decline it; the record is submitted anew"
            )
        return signer

    def _approver(self, approval: Approval) -> Account:
        account = self.office.accounts.get(approval.account)
        if account is None or str(account.staff) != approval.staff:
            msg = (
                f"co-signer {approval.account!r} is no longer active as staff "
                f"{approval.staff}; nothing was signed"
            )
            raise SubmitterChangedError(
                msg, field="path.id", allowed="the request is submitted anew"
            )
        return account

    def _command(self, request: PendingRequest) -> Command[Any]:
        command = self.commands.get(request.command)
        if command is None:
            known = ", ".join(sorted(self.commands)) or "none"
            msg = (
                f"command {request.command!r} of request {request.id} is not served "
                f"here (served: {known}); nothing was signed"
            )
            raise CommandNotServedError(msg, field="path.id", allowed=known)
        return command

    @staticmethod
    def _body(command: Command[Any], request: PendingRequest) -> Body:
        try:
            body: Body = command.body.model_validate(request.body)
        except ValidationError as e:
            msg = (
                f"the body of request {request.id} no longer fits {command.name}: "
                f"{e.errors()[0]['msg']}; nothing was signed"
            )
            raise CommandNotServedError(
                msg, field="path.id", allowed="decline it; submit it anew"
            ) from e
        return body

    def _marker(self, request: PendingRequest) -> dict[str, Any] | None:
        """The answer kept with the request's append, if it was appended."""
        stored = self.office.idempotency.get(
            MARKER_PREFIX + str(request.id), MARKER_KEY
        )
        return None if stored is None else dict(stored.response)

    def _repaired(self, request: PendingRequest, now: datetime) -> PendingRequest:
        """A pending request whose events were appended (its ``signed`` row
        lost to a crash) is written down as signed, from the answer kept
        with the append (the events and every approval)."""
        if request.state != PENDING:
            return request
        marker = self._marker(request)
        if marker is None:
            return request
        approvals = tuple(Approval(**a) for a in marker["approvals"])
        signed = replace(
            request,
            version=request.version + 1,
            state=SIGNED,
            approvals=approvals,
            decided_by=approvals[-1].account,
            decided_at=datetime.fromisoformat(approvals[-1].at),
            events=tuple(marker["events"]),
        )
        try:
            self.requests.append(signed, now)
        except RequestClosedError:
            return self.requests.latest(request.id) or signed
        return signed


# -- one desk per office ------------------------------------------------------------

_desks: WeakKeyDictionary[Office, CosignDesk] = WeakKeyDictionary()


def desk_for(office: Office) -> CosignDesk:
    """The office's desk (made once, serving the command catalog and the
    other request kinds)."""
    desk = _desks.get(office)
    if desk is None:
        desk = _desks[office] = CosignDesk(
            office, catalog_commands(), kinds=request_kinds(office)
        )
    return desk


def request_kinds(office: Office) -> tuple[RequestKind, ...]:
    """The request kinds that are no record command (``KINDS``: key
    enrolments), made for ``office``. Looked up by name, as the catalog is:
    they are built on this desk's values."""
    module = importlib.import_module(KINDS)
    kinds: tuple[RequestKind, ...] = tuple(module.request_kinds(office))
    return kinds


class Held(Exception):
    """A record command held for co-signing instead of appended: the record
    endpoint answers 202 with ``request`` (``routers.cosignatures.accepted``)."""

    def __init__(self, request: PendingRequest) -> None:
        super().__init__(f"held for co-signing as request {request.id}")
        self.request = request


def held(
    office: Office,
    command: Command[Any],
    body: Body,
    account: Account,
    refusal: PolicyError,
    *,
    idempotency_key: str | None = None,
) -> Exception:
    """What a record endpoint raises when the signing policy refused to append
    its command (``refusal``, nothing written): :class:`Held` with a new
    pending request when co-signatures are what it lacks, else ``refusal``.

    So only a command the policy refuses pays for the dry run that decides
    it; every other command is appended at its first run. ``submit()`` does::

        try:
            office.run(lambda records: command.run(records, body, signing))
        except PolicyError as e:
            raise cosign.held(office, command, body, account, e, idempotency_key=key)
        ...
        except cosign.Held as h:  # around idempotent(...)
            return cosignatures.accepted(h.request)  # 202, Location
    """
    try:
        request = desk_for(office).submit(
            command, body, account, idempotency_key=idempotency_key
        )
    except NotCosignedError:
        return refusal
    return Held(request)


def needs_cosignature(
    office: Office, command: Command[Any], body: Body, account: Account
) -> tuple[str, ...]:
    """The roles that must co-sign ``command`` with ``body`` from ``account``
    (empty: it is appended at once), found by a dry run (nothing written).
    For a form that says so before it is sent; ``submit()`` uses :func:`held`,
    which needs no dry run for commands appended at once."""
    return desk_for(office).needs_cosignature(command, body, account)


def submit(
    office: Office,
    command: Command[Any],
    body: Body,
    account: Account,
    *,
    idempotency_key: str | None = None,
) -> PendingRequest:
    """Hold the command for co-signing (NotCosignedError if it needs none)."""
    return desk_for(office).submit(
        command, body, account, idempotency_key=idempotency_key
    )


# -- helpers ------------------------------------------------------------------------


def _request_id(account: Account, idempotency_key: str | None) -> UUID:
    if idempotency_key is None:
        return uuid.uuid4()
    return uuid.uuid5(_REQUEST_IDS, f"{account.name}\n{idempotency_key}")


def _replayed(earlier: PendingRequest, digest: str, key: str | None) -> PendingRequest:
    if earlier.body_hash == digest:
        return earlier
    msg = (
        f"Idempotency-Key {key!r} was used for another request body; use a new "
        "key for a new request"
    )
    raise CosignError(
        msg,
        field="header.Idempotency-Key",
        allowed="a key not used before, or the same body as its first use",
    )


def _subject(envelopes: Sequence[Envelope]) -> tuple[str, ...]:
    """What a request is about: each event's type and pupil (or stream)."""
    return tuple(
        sorted({f"{e.type}:{e.data.get('pupil') or e.stream}" for e in envelopes})
    )


def _answer(approvals: Sequence[Approval]) -> Answer:
    """The answer kept with a request's append: its events and approvals."""

    def answer(events: Sequence[StoredEvent]) -> dict[str, Any]:
        return {
            "events": [f"{e.originator_id}:{e.originator_version}" for e in events],
            "approvals": [asdict(a) for a in approvals],
        }

    return answer


def _who(needs: Sequence[Need]) -> str:
    return ", ".join(n.who or n.role for n in needs) or "nobody"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _moment(moment: datetime | None) -> str:
    return f"{moment:%d.%m.%Y %H:%M} UTC" if moment else "—"


__all__ = [
    "DECLINED",
    "EXPIRED",
    "PENDING",
    "SIGNED",
    "STATES",
    "SUPERSEDED",
    "Approval",
    "CommandNotServedError",
    "CosignDesk",
    "CosignError",
    "CosignStore",
    "Held",
    "Need",
    "NotCosignedError",
    "OwnRequestError",
    "PendingRequest",
    "Preview",
    "RequestChangedError",
    "RequestClosedError",
    "SubmitterChangedError",
    "UnknownRequestError",
    "WrongCosignerError",
    "desk_for",
    "held",
    "needs_cosignature",
    "submit",
]
