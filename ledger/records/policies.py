"""Policy services: adopt the first policies, change one (issue 11, item 5).

Thin application services: load, command, save. The first policy of each
kind is signed by the school's log key (`letopis init`, or `letopis policy
set --log-key` on a log made before policies were logged); every later one
by the director. The application refuses any other signer
(`ledger.policy_log.check_policy_signers`), so nothing is written then.
"""

from __future__ import annotations

from collections.abc import Mapping

from ledger.application import LedgerApplication, Signing
from ledger.errors import PolicyError
from ledger.keys.directory import SigningKey
from ledger.policy_log import NAMES, PolicyRecord, load_policy


def set_policy(
    app: LedgerApplication, signer: SigningKey, name: str, text: str
) -> PolicyRecord:
    """Adopt policy ``name`` (none yet: the log key) or change it (the director)."""
    if name not in NAMES:
        msg = f"there is no policy {name!r}; the policies are: {', '.join(NAMES)}"
        raise PolicyError(msg)
    record = load_policy(app, name)
    if record is None:
        record = PolicyRecord.adopt(name, text)
    else:
        record.change(text)
    app.save(record, signed_by=Signing(signer))
    return record


def first_policies(
    app: LedgerApplication, texts: Mapping[str, str]
) -> list[PolicyRecord]:
    """The first policies among ``texts`` that the log does not hold yet,
    unsaved (`init` saves them with the log key's registration)."""
    return [
        PolicyRecord.adopt(name, texts[name])
        for name in NAMES
        if load_policy(app, name) is None
    ]
