"""Erasing a pupil's personal data (152-ФЗ art. 21; §7.3.4; DESIGN §5–§6).

The director destroys a pupil's data key after the personal file's retention
has run out, or on a lawful request (stated in the reason). The destruction is
first a signed entry of the log, ``archive.DataKeyDestroyed`` (so the erasure
is itself a record, and every report can say «данные удалены» for the pupil
wherever it is read, with or without the key directory); then the key file is
overwritten and removed (crypto-shredding, ``ledger.keys.personal``). Every
hash and signature of the log stays as it was: the identity fields are
ciphertext under a key that no longer exists.

Refused with nothing written: a second destruction of the same key, a
retention that has not run out (counted per file, from 1 January of the year
after the pupil left, as archives count), a pupil not on record, an empty
reason, a signer who is not the director, a key directory without the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from uuid import UUID

from ledger.application import Signing
from ledger.domain.archive import DataKeyErasure, check_erasure
from ledger.domain.errors import AuthorityError, ErasureError
from ledger.domain.ids import data_key_erasure_id
from ledger.domain.people import PersonalFile
from ledger.keys.personal import data_key_id
from ledger.policy_log import RETENTION, load_policy
from ledger.records.context import DIRECTOR, RecordsContext

#: the retention class of personal files in the retention policy
PERSONAL_FILE_CLASS = "personal_file"
#: its keep_years when the log holds no retention policy (§7.3.4)
DEFAULT_PERSONAL_FILE_YEARS = 3


@dataclass(frozen=True)
class Erased:
    """What an erasure recorded: its event, and the data key it destroyed."""

    event: str
    key: str
    key_was_here: bool


class Erasure:
    """Destroys pupils' data keys; the director's."""

    def __init__(self, ctx: RecordsContext) -> None:
        self.ctx = ctx

    def destroy_data_key(
        self, pupil: UUID, *, ground: str, reason: str, signed_by: Signing
    ) -> Erased:
        """Record ``archive.DataKeyDestroyed`` for ``pupil``, then destroy the key."""
        ctx = self.ctx
        keys = ctx.identities()
        subject = str(pupil)
        with ctx.command(signed_by) as cmd:
            if not cmd.author.has(DIRECTOR):
                msg = "a pupil's personal data is erased by the director"
                raise AuthorityError(msg)
            file = ctx.require(PersonalFile, pupil, f"pupil {pupil}")
            if ctx.exists(data_key_erasure_id(pupil)):
                msg = (
                    f"the data key of pupil {pupil} (л/д {file.personal_file}) was "
                    f"destroyed already (event {data_key_erasure_id(pupil)}:1); a "
                    "data key is destroyed once"
                )
                raise ErasureError(msg)
            check_erasure(
                ground=ground,
                reason=reason,
                left_on=file.left_on,
                keep_years=self._personal_file_years(),
                today=ctx.today(),
            )
            here = keys.has_key(subject)
            if not here and keys.destroyed_at(subject) is None:
                msg = (
                    f"the key directory holds no data key of pupil {pupil}: open "
                    "the school's own key directory (--keys)"
                )
                raise ErasureError(msg)
            record = DataKeyErasure.destroy(
                pupil=pupil,
                personal_file=file.personal_file,
                key=data_key_id(subject),
                ground=ground,
                reason=reason,
                by=cmd.author.staff,
                at=ctx.now(),
            )
            cmd.save(record)
        if here:
            keys.destroy(subject, at=ctx.now())
        return Erased(f"{record.id}:1", data_key_id(subject), here)

    def _personal_file_years(self) -> int:
        """The personal file's keep_years in the retention policy the log holds."""
        record = load_policy(self.ctx.app, RETENTION)
        if record is None:
            return DEFAULT_PERSONAL_FILE_YEARS
        for entry in tomllib.loads(record.toml).get("class", []):
            if entry.get("name") == PERSONAL_FILE_CLASS:
                return int(entry["keep_years"])
        return DEFAULT_PERSONAL_FILE_YEARS
