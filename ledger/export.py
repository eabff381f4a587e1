"""`letopis export`: the sealed log as a BagIt bag (RFC 8493) for the archive.

An auditor verifies the bag offline, years later, without trusting this code
(DESIGN §7). The payload, under ``data/``:

    log.jsonl                  one envelope per line, byte for byte the stored
                               envelope, in leaf order: the leaf hash of line i
                               is SHA-256(0x00 ‖ line i without its newline)
    checkpoint                 the signed note that covers every line
    checkpoints/<size>         every signed note up to that size
    log.vkey                   the log key as a note verifier key
    keys.json                  the public key history (every registered key)
    policy/signing.toml        the signing policy in force
    policy/retention.toml      the retention policy in force
    verifier/verify/*.py       a copy of the independent verifier
    README.txt                 how a person verifies it (Russian, then English)

The export seals first, then streams the envelopes in batches (never the whole
log in memory) and checks each against its sealed leaf hash and the root against
the checkpoint, so a bag is written only when it matches its own checkpoint. It
is built beside the target and moved into place at the end: a failed export
leaves nothing behind, and an existing non-empty directory is never touched.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any
from uuid import uuid4

import bagit
from eventsourcing.persistence import ApplicationRecorder, Notification

import verify
from ledger.application import LedgerApplication
from ledger.envelope import format_time
from ledger.errors import LedgerError
from ledger.keyring import list_signers
from ledger.keys import SigningKey
from ledger.log import Leaf, LogStore, Sealer, StoredCheckpoint
from ledger.mapper import POLICY_ENV
from ledger.trust import SignerKey, key_stream_id
from verify import merkle
from verify.note import verifier_key

RETENTION_POLICY_ENV = "LETOPIS_RETENTION_POLICY"
BATCH = 5000
CHECKSUMS = ("sha256", "sha512")
BAGIT_VERSION = "1.0"  # RFC 8493; bagit-python writes the older 0.97

Progress = Callable[[int, int], None]
"""``progress(lines_written, lines_in_total)``, called after every batch."""


class ExportError(LedgerError):
    """The export cannot be written (the message says why); nothing was written."""


@dataclass(frozen=True)
class Exported:
    """What an export wrote: where, and the checkpoint that covers it."""

    path: Path
    checkpoint: StoredCheckpoint
    checkpoints: int

    @property
    def entries(self) -> int:
        return self.checkpoint.size


def export_archive(
    app: LedgerApplication, out: Path | str, *, progress: Progress | None = None
) -> Exported:
    """Seal, then write the log as a BagIt bag into ``out`` (new or empty)."""
    target = _checked_target(Path(out))
    checkpoint = Sealer(app).seal()
    staging = target.parent / f".{target.name}.partial-{uuid4().hex[:12]}"
    try:
        staging.mkdir()
        count = _write_payload(app, staging, checkpoint, progress)
        _make_bag(staging, app.context.origin, checkpoint)
        if target.exists():
            target.rmdir()  # checked empty above
        staging.rename(target)
    except OSError as e:
        shutil.rmtree(staging, ignore_errors=True)
        msg = (
            f"cannot write the export to {target}: {e.strerror or e}; nothing was kept"
        )
        raise ExportError(msg) from e
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Exported(target, checkpoint, count)


def archive_lines(bag: Path | str) -> Iterator[bytes]:
    """The envelopes of an exported bag in leaf order, newline removed, streamed."""
    with (Path(bag) / "data" / "log.jsonl").open("rb") as lines:
        for line in lines:
            yield line.removesuffix(b"\n")


# -- the target ---------------------------------------------------------------------


def _checked_target(target: Path) -> Path:
    if target.exists() and not target.is_dir():
        msg = f"{target} is a file; an export is written into a new or empty directory"
        raise ExportError(msg)
    if target.is_dir() and any(target.iterdir()):
        msg = (
            f"{target} is not empty; an export is written only into a new or empty "
            "directory, so that nothing there is overwritten: choose another one"
        )
        raise ExportError(msg)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        msg = f"cannot create {target.parent}: {e.strerror}; choose another directory"
        raise ExportError(msg) from e
    return target.resolve()


# -- the payload --------------------------------------------------------------------


def _write_payload(
    app: LedgerApplication,
    root: Path,
    checkpoint: StoredCheckpoint,
    progress: Progress | None,
) -> int:
    log = LogStore(app.recorder)
    origin = app.context.origin
    public_key = app.context.keys.log_public_key
    _write_log(app.recorder, log, root / "log.jsonl", checkpoint, progress)
    count = _write_checkpoints(log, root, checkpoint)
    (root / "log.vkey").write_text(verifier_key(origin, public_key) + "\n")
    _write_json(root / "keys.json", _key_history(app, origin, public_key))
    _copy_policies(app, root / "policy")
    _copy_verifier(root / "verifier" / "verify")
    readme = readme_text(
        origin=origin,
        size=checkpoint.size,
        root=checkpoint.root,
        vkey=verifier_key(origin, public_key),
    )
    (root / "README.txt").write_text(readme, encoding="utf-8")
    return count


def _write_log(
    recorder: ApplicationRecorder,
    log: LogStore,
    path: Path,
    checkpoint: StoredCheckpoint,
    progress: Progress | None,
) -> None:
    """Stream the sealed envelopes into ``path``, checking each leaf and the root."""
    builder = merkle.TreeBuilder()
    size = checkpoint.size
    with path.open("wb") as lines:
        for start in range(0, size, BATCH):
            leaves = log.leaves(start, min(start + BATCH, size))
            for leaf, event in zip(leaves, _events_of(recorder, leaves), strict=True):
                builder.append(_checked_leaf(leaf, event.state))
                lines.write(event.state + b"\n")
            if progress is not None:
                progress(start + len(leaves), size)
    if builder.root() != checkpoint.root:
        msg = (
            f"the envelopes recompute to another root than the checkpoint of size "
            f"{size}; the store is damaged: run `letopis verify --store`"
        )
        raise ExportError(msg)


def _events_of(
    recorder: ApplicationRecorder, leaves: Sequence[Leaf]
) -> list[Notification]:
    """The stored events of consecutive leaves, in leaf (notification) order."""
    if not leaves:
        msg = "the sealed log is shorter than its checkpoint; the store is damaged"
        raise ExportError(msg)
    found = recorder.select_notifications(
        start=leaves[0].notification_id,
        stop=leaves[-1].notification_id,
        limit=len(leaves),
    )
    wanted = [leaf.notification_id for leaf in leaves]
    got = [n.id for n in found]
    if got != wanted:
        at = next(
            (i for i, (w, g) in enumerate(zip(wanted, got, strict=False)) if w != g),
            min(len(wanted), len(got)),
        )
        leaf = leaves[min(at, len(leaves) - 1)]
        msg = (
            f"leaf {leaf.index} (event {leaf.stream}:{leaf.seq}) has no stored event "
            "in its place; the store is damaged: run `letopis verify --store`"
        )
        raise ExportError(msg)
    return list(found)


def _checked_leaf(leaf: Leaf, envelope: bytes) -> bytes:
    digest = merkle.leaf_hash(envelope)
    if digest != leaf.hash or b"\n" in envelope:
        msg = (
            f"event {leaf.stream}:{leaf.seq} no longer matches its sealed leaf "
            f"{leaf.index}; the store is damaged: run `letopis verify --store`"
        )
        raise ExportError(msg)
    return digest


def _write_checkpoints(log: LogStore, root: Path, latest: StoredCheckpoint) -> int:
    (root / "checkpoint").write_text(latest.note, encoding="utf-8")
    folder = root / "checkpoints"
    folder.mkdir()
    count = 0
    for checkpoint in log.checkpoints():
        if checkpoint.size <= latest.size:
            (folder / str(checkpoint.size)).write_text(checkpoint.note, "utf-8")
            count += 1
    return count


# -- keys, policies, verifier -------------------------------------------------------


def _key_history(
    app: LedgerApplication, origin: str, log_public_key: bytes
) -> dict[str, Any]:
    """Every registered key, in registration order, with its whole story."""
    keys = []
    for record in list_signers(app):
        signer: SignerKey = app.repository.get(key_stream_id(record.key))
        keys.append(
            {
                "key": record.key,
                "alg": signer.alg,
                "public_key": record.public_key.hex(),
                "holder": record.holder,
                "roles": list(record.roles),
                "valid_from": _time(record.valid_from),
                "valid_until": _time(record.valid_until),
                "revoked_at": _time(record.revoked_at),
                "compromised_at": _time(record.compromised_at),
                "revocation_reason": signer.revocation_reason,
                "replaces": signer.replaces,
                "stream": str(key_stream_id(record.key)),
            }
        )
    return {
        "origin": origin,
        "log_key": {
            "key": SigningKey.key_id_of(log_public_key),
            "public_key": log_public_key.hex(),
            "vkey": verifier_key(origin, log_public_key),
        },
        "keys": keys,
    }


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else format_time(moment)


def _write_json(path: Path, value: Any) -> None:
    text = json.dumps(value, indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def _copy_policies(app: LedgerApplication, folder: Path) -> None:
    """The policy files the application used: configured, or the packaged ones."""
    folder.mkdir()
    for name, variable in (
        ("signing", POLICY_ENV),
        ("retention", RETENTION_POLICY_ENV),
    ):
        configured = app.env.get(variable)
        if configured:
            data = Path(configured).read_bytes()
        else:
            packaged = resources.files("ledger").joinpath(f"policies/{name}.toml")
            data = packaged.read_bytes()
        (folder / f"{name}.toml").write_bytes(data)


def _copy_verifier(folder: Path) -> None:
    """The verifier's own source files, so the bag carries what checks it."""
    package = Path(verify.__file__).parent
    for source in sorted(package.rglob("*.py")):
        if "__pycache__" in source.parts:
            continue
        copy = folder / source.relative_to(package)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(source.read_bytes())


# -- the bag ------------------------------------------------------------------------


def _make_bag(folder: Path, origin: str, checkpoint: StoredCheckpoint) -> None:
    """Turn ``folder`` into a bag: payload moved under data/, manifests, bag-info."""
    info = {
        "Source-Organization": origin,
        "External-Description": (
            f"Letopis log {origin}: {checkpoint.size} signed entries in leaf order "
            "(data/log.jsonl), the signed checkpoint covering them, every earlier "
            "checkpoint, the public key history and the policies in force. How to "
            "verify it: data/README.txt."
        ),
        "External-Identifier": f"{origin}/{checkpoint.size}",
    }
    try:
        bagit.make_bag(str(folder), bag_info=info, checksums=list(CHECKSUMS))
        (folder / "bagit.txt").write_text(
            f"BagIt-Version: {BAGIT_VERSION}\nTag-File-Character-Encoding: UTF-8\n"
        )
        bagit.Bag(str(folder)).save()  # tag manifests again, over the new bagit.txt
    except (bagit.BagError, OSError) as e:
        msg = f"could not write the bag in {folder.parent}: {e}"
        raise ExportError(msg) from e


# -- the README ---------------------------------------------------------------------


def readme_text(*, origin: str, size: int, root: bytes, vkey: str) -> str:
    """The plain-language README of a bag: Russian first, then English."""
    return _README.format(
        origin=origin,
        size=size,
        root=base64.b64encode(root).decode(),
        vkey=vkey,
    )


_README = """\
ЛЕТОПИСЬ: АРХИВНАЯ ВЫГРУЗКА ЖУРНАЛА ЗАПИСЕЙ ШКОЛЫ
=================================================

Журнал:            {origin}
Записей:           {size}
Корень дерева:     {root}
Ключ журнала:      {vkey}

Что в этой папке
----------------
Папка — пакет BagIt (RFC 8493): содержимое лежит в data/, а файлы
manifest-*.txt рядом хранят контрольные суммы каждого файла.

  data/log.jsonl              все записи журнала, по одной на строку, байт в
                              байт как они хранились (подписанный конверт в
                              каноническом JSON), в порядке журнала: строка 1 —
                              запись номер 0, строка 2 — номер 1, и так далее.
  data/checkpoint             последняя подписанная контрольная точка: имя
                              журнала, число записей, корень дерева Меркла и
                              подпись ключа журнала (печати школы). Она
                              охватывает все строки log.jsonl.
  data/checkpoints/<N>        все контрольные точки, подписанные раньше
                              (N — число записей, которое точка охватывает).
  data/log.vkey               открытый ключ журнала для проверки подписей
                              контрольных точек.
  data/keys.json              история ключей: каждый зарегистрированный ключ
                              подписи, его владелец, роли, срок действия,
                              отзыв и компрометация.
  data/policy/signing.toml    кто какие записи вправе подписывать.
  data/policy/retention.toml  сроки хранения по классам записей.
  data/verifier/verify/       копия независимой программы проверки (Python).
  data/README.txt             этот текст.

Что хранить ОТДЕЛЬНО от архива
------------------------------
Архив сам по себе доказывает только, что он не противоречит сам себе. Чтобы
доказать, что это журнал именно этой школы и что в нём ничего не заменено,
нужна опора вне архива:

  1. Контрольная точка, напечатанная на бумаге: на сводной ведомости, которую
     каждый июнь сшивают и опечатывают, на актах и отчётах. Сверьте с ней
     data/checkpoint: имя журнала, число записей и корень.
  2. Ключ журнала (печати школы), записанный в документах школы одной
     строкой:
     {vkey}
     Файл data/log.vkey должен содержать именно эту строку.

Не храните эти сведения только в архиве: тот, кто подменит архив, подменит и
их.

Как проверить архив, шаг за шагом
---------------------------------
Нужны Python 3.11 или новее и пакет cryptography (pip install cryptography;
пакет PyNaCl, если установлен, ускоряет проверку).

Шаг 1. Сохранность файлов (если установлен пакет bagit):

         python3 -m bagit --validate <папка архива>

       Сверяет контрольные суммы всех файлов. Подлинности это не доказывает,
       только то, что файлы не повреждены при хранении и копировании.

Шаг 2. Полная проверка приложенной программой:

         cd <папка архива>/data/verifier
         python3 -B -m verify --archive ../..

       (ключ -B не даёт Python записывать файлы внутрь архива)
       Если установлена Летопись, то же самое делает команда:

         letopis verify --archive <папка архива>

       Программа проверяет по шагам: каждую подпись (ключ зарегистрирован,
       действует на момент записи, не скомпрометирован, его роль допускает
       этот тип записи); непрерывность цепочки записей каждого потока;
       корень дерева Меркла, пересчитанный по всем строкам log.jsonl, равен
       корню в data/checkpoint; подписи всех контрольных точек; согласие
       контрольных точек между собой. Затем показывает таблицу по классам
       хранения и итог.

Шаг 3. Сверка с опорой вне архива. Перепишите бумажную контрольную точку в
       текстовый файл (целиком, вместе со строкой подписи), а ключ журнала из
       документов школы — в другой файл (одной строкой, как в log.vkey), и
       передайте их программе:

         python3 -B -m verify --archive ../.. --log-key <файл ключа> \\
             --trusted-checkpoint <файл контрольной точки>

       Программа проверит, что архив подписан именно этим ключом и продолжает
       именно эту историю. Без --log-key она берёт ключ из data/log.vkey и
       прямо пишет, что такая опора не независима.

Коды завершения программы проверки:

  0  архив цел, все проверки пройдены;
  1  найдена проблема: в списке находок названа запись (поток:номер) и её
     позиция в журнале;
  2  неверный вызов или архив не читается (нет файла, испорчен формат).

Как это устроено (чтобы проверить своими средствами)
----------------------------------------------------
  — Хеш строки i (без перевода строки): SHA-256(0x00 || байты строки).
  — Узел дерева: SHA-256(0x01 || левый || правый); дерево по RFC 6962 / 9162.
  — Контрольная точка — подписанная заметка C2SP tlog-checkpoint: имя
    журнала, число записей, корень в base64, пустая строка, строка подписи
    Ed25519.
  — data/log.vkey в формате Go sumdb/note: <имя>+<хеш ключа>+<base64(0x01 ||
    открытый ключ)>.
  — Подпись записи: Ed25519 над "letopis/event/v1\\n" и каноническим JSON
    (RFC 8785) конверта без поля "sigs".


LETOPIS: ARCHIVAL EXPORT OF A SCHOOL'S RECORDS LOG
==================================================

Log:               {origin}
Entries:           {size}
Tree root:         {root}
Log key:           {vkey}

What is in this folder
----------------------
The folder is a BagIt bag (RFC 8493): the content is under data/, and the
manifest-*.txt files beside it hold a checksum of every file.

  data/log.jsonl              every entry of the log, one per line, byte for
                              byte as stored (the signed envelope in canonical
                              JSON), in log order: line 1 is entry 0, line 2 is
                              entry 1, and so on.
  data/checkpoint             the latest signed checkpoint: the log's name, the
                              number of entries, the Merkle tree root and the
                              signature of the log key (the school's seal). It
                              covers every line of log.jsonl.
  data/checkpoints/<N>        every checkpoint signed before (N is the number
                              of entries it covers).
  data/log.vkey               the log's public key, to check the checkpoint
                              signatures.
  data/keys.json              the key history: every registered signing key,
                              its holder, roles, validity window, revocation
                              and compromise.
  data/policy/signing.toml    who may sign which entries.
  data/policy/retention.toml  how long each class of records is kept.
  data/verifier/verify/       a copy of the independent verifier (Python).
  data/README.txt             this text.

What to keep OUTSIDE the archive
--------------------------------
On its own the archive proves only that it agrees with itself. To prove that
it is this school's log and that nothing in it was replaced, you need an anchor
kept elsewhere:

  1. The checkpoint printed on paper: on the summary statement bound and sealed
     every June, on acts and reports. Compare data/checkpoint with it: the
     log's name, the number of entries and the root.
  2. The log key (the school's seal), written down in the school's records
     as one line:
     {vkey}
     The file data/log.vkey must hold exactly this line.

Do not keep these only inside the archive: whoever replaces the archive will
replace them too.

How to verify the archive, step by step
---------------------------------------
You need Python 3.11 or newer and the cryptography package (pip install
cryptography; PyNaCl, when installed, makes it faster).

Step 1. The files are intact (if the bagit package is installed):

          python3 -m bagit --validate <archive folder>

        This checks every file's checksum. It does not prove authenticity,
        only that nothing was damaged in storage or copying.

Step 2. Full verification with the enclosed program:

          cd <archive folder>/data/verifier
          python3 -B -m verify --archive ../..

        (-B keeps Python from writing files into the archive)
        With Letopis installed, this does the same:

          letopis verify --archive <archive folder>

        It checks, in numbered steps: every signature (the key registered,
        valid at the entry's time, not compromised, its role allowed for the
        entry's type); every stream's chain of entries; the Merkle root
        recomputed from all lines of log.jsonl equals the root in
        data/checkpoint; the signatures of all checkpoints; that the
        checkpoints agree with each other. Then it shows a table per retention
        class and a verdict.

Step 3. Compare with the anchors outside the archive. Type the paper
        checkpoint into a text file (all of it, with its signature line), the
        log key from the school's records into another (one line, as in
        log.vkey), and give them to the program:

          python3 -B -m verify --archive ../.. --log-key <key file> \\
              --trusted-checkpoint <checkpoint file>

        It checks that the archive is signed by exactly that key and extends
        exactly that history. Without --log-key it takes the key from
        data/log.vkey and says plainly that this anchor is not independent.

The verifier's exit codes:

  0  the archive is intact: every check passed;
  1  a problem was found: the findings name the entry (stream:number) and its
     position in the log;
  2  bad usage, or the archive cannot be read (a missing file, a broken
     format).

How it works (to check it with your own tools)
----------------------------------------------
  - The hash of line i (without its newline): SHA-256(0x00 || the line's
    bytes).
  - A tree node: SHA-256(0x01 || left || right); the tree is RFC 6962 / 9162.
  - A checkpoint is a C2SP tlog-checkpoint signed note: the log's name, the
    number of entries, the root in base64, a blank line, an Ed25519 signature
    line.
  - data/log.vkey is in Go's sumdb/note form: <name>+<key hash>+<base64(0x01 ||
    public key)>.
  - An entry's signature: Ed25519 over "letopis/event/v1\\n" and the canonical
    JSON (RFC 8785) of the envelope without its "sigs" field.
"""
