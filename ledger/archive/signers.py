"""Whether the signing policy in force lets these keys sign an archive act,
asked before any long work or any write (the append asks again).

A log made before issue 16 holds a signing policy without the archive's acts
(``archive.DisposalActApproved``, ``archive.YearArchived``) or the expert
commission's role: the refusal says how to adopt the packaged one.
"""

from __future__ import annotations

from ledger.application import LedgerApplication, Signing
from ledger.errors import PolicyError

ADOPT = (
    "the signing policy in force predates the archive's acts: the director "
    "adopts the packaged one (ledger/policies/signing.toml, or a school's own "
    "with [roles] expert_commission and the [cosign] rows of issue 16) with "
    "`letopis policy set FILE --key-label DIRECTOR`"
)


def check_signers(app: LedgerApplication, event_type: str, signing: Signing) -> None:
    """PolicyError unless the author may sign ``event_type`` and the co-signers
    hold every role the policy wants besides (and are distinct keys)."""
    context = app.context
    policy = context.policies.require_signing(fresh=True)
    ids = [s.key_id for s in signing.signers]
    if len(set(ids)) != len(ids):
        msg = "the same key may sign an act only once; co-signers must differ"
        raise PolicyError(msg)
    author, *cosigners = (context.registry.get(k, fresh=True) for k in ids)
    try:
        policy.check_author(event_type, author.key, author.roles)
        policy.check_cosigners(event_type, [c.roles for c in cosigners])
    except PolicyError as e:
        hint = f"; {ADOPT}" if not policy.roles_for(event_type) else ""
        raise PolicyError(f"{e}{hint}") from e
