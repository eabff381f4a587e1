"""Inclusion and consistency proofs in the console (RFC 6962).

The proofs ``/proofs/inclusion`` and ``/proofs/consistency`` give, from the
same functions (``api.proofs``), shown with what they prove and checked on
the page by the independent verifier's own functions (``verify.merkle``):
an entry (named ``STREAM:SEQ`` or by its leaf index) is in the tree of a
size, or the tree of one size extends the tree of a smaller one. The entry
a leaf holds is named as the verifier names entries (``verify.names``).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api import proofs
from api.server.office import Office
from api.server.web.audit_scope import AuditedDep, page
from api.server.web.audit_words import proof_problem
from verify import merkle
from verify.names import describe_entry

router = APIRouter(include_in_schema=False)
#: the option names api.proofs uses in its errors: the form's own fields
FIELDS = proofs.Options(
    event="event",
    index="index",
    tree_size="tree_size",
    size1="from",
    size2="to",
    seal="wait for the next checkpoint",
)
LARGEST = 2**62


@dataclass
class ProofForm:
    """One of the two forms: its values as typed, and what is wrong."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    def number(self, name: str, *, least: int) -> int | None:
        """The field ``name`` as a whole number of at least ``least``; None
        when empty; an error noted when it is not one."""
        text = self.values.get(name, "").strip()
        if not text:
            return None
        if not text.isdigit() or not least <= int(text) <= LARGEST:
            self.errors[name] = f"Целое число от {least}."
            return None
        return int(text)


@router.get("/app/audit/proofs")
def proofs_page(
    request: Request,
    audited: AuditedDep,
    proof: str = "",
    event: str = "",
    index: str = "",
    tree_size: str = "",
    size_from: str = "",
    size_to: str = "",
) -> HTMLResponse:
    """The two forms, and the proof one of them asked for."""
    office = audited.office
    inclusion = ProofForm({"event": event, "index": index, "tree_size": tree_size})
    consistency = ProofForm({"from": size_from, "to": size_to})
    shown: dict[str, Any] | None = None
    if proof == "inclusion":
        shown = _inclusion(office, inclusion)
    elif proof == "consistency":
        shown = _consistency(office, consistency)
    failed = bool(inclusion.errors or consistency.errors)
    return page(
        request,
        "audit_proofs.html",
        audited,
        "proofs",
        status_code=422 if failed else 200,
        title="Аудит: доказательства",
        latest=office.sealer.store.latest_checkpoint(),
        inclusion=inclusion,
        consistency=consistency,
        shown=shown,
        asked=proof,
    )


def _inclusion(office: Office, form: ProofForm) -> dict[str, Any] | None:
    index = form.number("index", least=0)
    size = form.number("tree_size", least=1)
    event = form.values["event"].strip() or None
    if form.errors:
        return None
    try:
        found = proofs.inclusion(
            office.sealer.store,
            office.sealer.tree,
            event=event,
            index=index,
            tree_size=size,
            names=FIELDS,
        )
    except proofs.ProofRequestError as e:
        given = {"tree_size": size, "index": index, "event": event}
        form.errors[e.option] = proof_problem(e, str(given.get(e.option)))
        return None
    hashes = [base64.b64decode(h) for h in found["proof"]]
    leaf = base64.b64decode(found["leafHash"])
    root = base64.b64decode(found["root"])
    check = _checked(
        lambda: merkle.verify_inclusion(
            found["leafIdx"], found["treeSize"], leaf, hashes, root
        )
    )
    return {
        "kind": "inclusion",
        **found,
        "hex": [h.hex() for h in hashes],
        "root_hex": root.hex(),
        "leaf_hex": leaf.hex(),
        "entry": _entry(office, found["leafIdx"]),
        "check": check,
        "signed": _signed(office, found["treeSize"], root),
    }


def _consistency(office: Office, form: ProofForm) -> dict[str, Any] | None:
    size1 = form.number("from", least=1)
    size2 = form.number("to", least=1)
    if size1 is None and "from" not in form.errors:
        form.errors["from"] = "Укажите размер «от»: целое число от 1."
    if form.errors or size1 is None:
        return None
    try:
        found = proofs.consistency(
            office.sealer.store,
            office.sealer.tree,
            size1=size1,
            size2=size2,
            names=FIELDS,
        )
    except proofs.ProofRequestError as e:
        # a size beyond the log is the "to" field here (api.proofs calls it
        # the tree size, as for an inclusion proof)
        name = "to" if e.option == "tree_size" else e.option
        form.errors[name] = proof_problem(e, str(size2 if name == "to" else size1))
        return None
    hashes = [base64.b64decode(h) for h in found["proof"]]
    root1 = base64.b64decode(found["root1"])
    root2 = base64.b64decode(found["root2"])
    check = _checked(
        lambda: merkle.verify_consistency(
            found["size1"], found["size2"], hashes, root1, root2
        )
    )
    return {
        "kind": "consistency",
        **found,
        "hex": [h.hex() for h in hashes],
        "root1_hex": root1.hex(),
        "root2_hex": root2.hex(),
        "check": check,
        "signed1": _signed(office, found["size1"], root1),
        "signed2": _signed(office, found["size2"], root2),
    }


def _checked(check: Any) -> str | None:
    """None when ``check`` passes; why not, when it raises."""
    try:
        check()
    except merkle.MerkleProofError as e:
        return str(e)
    return None


def _signed(office: Office, size: int, root: bytes) -> bool | None:
    """Whether the log holds a signed checkpoint of ``size`` with ``root``
    (None: no checkpoint of exactly that size)."""
    checkpoint = office.sealer.store.checkpoint(size)
    return None if checkpoint is None else checkpoint.root == root


def _entry(office: Office, index: int) -> str | None:
    """What leaf ``index`` holds, in the verifier's words."""
    leaf = office.sealer.store.leaf(index)
    if leaf is None:
        return None
    state = _state(office, leaf.stream, leaf.seq)
    if state is None:
        return None
    about = describe_entry(state, lambda stream: _opening(office, stream))
    return None if about is None else about.line()


def _state(office: Office, stream: str, seq: int) -> bytes | None:
    try:
        key = (UUID(stream), seq)
    except ValueError:
        return None
    return office.sealer.store.states([key]).get(key)


def _opening(office: Office, stream: str) -> dict[str, Any] | None:
    """The data of ``stream``'s first entry (the class's name, the pupil's
    class and file number), as the verifier looks them up."""
    state = _state(office, stream, 1)
    try:
        data = json.loads(state or b"null")["data"]
    except (ValueError, TypeError, KeyError):
        return None
    return data if isinstance(data, dict) else None
