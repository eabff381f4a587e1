"""``python -m verify``: the independent verifier, standalone (DESIGN §7).

Runs with the standard library, ``cryptography`` and, when installed, PyNaCl
(faster); ``psycopg`` is imported only to read a ``postgresql://`` store. An
exported archive carries a copy of this package in ``data/verifier/``, so an
auditor can verify it without installing Letopis::

    cd <archive>/data/verifier && python3 -B -m verify --archive ../..

Exit codes: 0 intact, 1 a problem was found, 2 bad usage or unreadable input.
With ``--json`` one JSON object is printed in every case: the report, or
``{"ok": false, "error": "...", "exit_code": 2}``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from verify.anchor import LogKey
from verify.cosignature import WitnessPolicy
from verify.errors import VerificationError
from verify.inputs import gather, parse_moment, parse_seal_delay
from verify.note import parse_checkpoint
from verify.renewal import KIND as RENEWAL
from verify.renewal import (
    AlgorithmPolicy,
    archive_entry_algorithms,
    check_renewals,
    read_renewal,
)
from verify.report import Finding, Report
from verify.state import default_state_path
from verify.verifier import DEFAULT_SEAL_DELAY, Progress, Verifier
from verify.witnessed import KIND, check_witnessed, read_cosigned
from verify.yearbag import check_year_archive


def build_parser() -> argparse.ArgumentParser:
    """The command line of the standalone verifier."""
    parser = argparse.ArgumentParser(
        prog="python -m verify",
        description=(
            "Verify a Letopis log (a live store or an exported archive) against a "
            "trust anchor held outside it. Exit 0: intact; 1: a problem was found; "
            "2: bad usage or unreadable input."
        ),
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--store", help="sqlite:///path.db or postgresql://...")
    what.add_argument("--archive", type=Path, help="an exported BagIt archive")
    what.add_argument(
        "--year-archive",
        type=Path,
        help="a school year's archive (letopis archive close-year)",
    )
    parser.add_argument(
        "--log-key", type=Path, help="the log key: a note verifier key file"
    )
    parser.add_argument(
        "--keys", type=Path, help="the school's key directory (log.pub)"
    )
    parser.add_argument(
        "--policy",
        type=Path,
        help="a signing policy (signing.toml) to compare with the one the log holds",
    )
    parser.add_argument(
        "--retention",
        type=Path,
        help="a retention policy (retention.toml) to compare with the log's",
    )
    parser.add_argument(
        "--trusted-checkpoint", type=Path, help="a checkpoint held outside the log"
    )
    parser.add_argument(
        "--since-checkpoint",
        action="store_true",
        help="skip signatures this verifier verified before (the tree is checked)",
    )
    parser.add_argument(
        "--state", type=Path, help="where verified checkpoints are recorded"
    )
    parser.add_argument("--workers", type=int, help="processes (default: all cores)")
    parser.add_argument("--now", help="judge disposal as of this date or time")
    parser.add_argument(
        "--seal-delay",
        type=float,
        default=DEFAULT_SEAL_DELAY.total_seconds(),
        metavar="SECONDS",
        help="how old an entry beyond the latest checkpoint may be (default: "
        f"{DEFAULT_SEAL_DELAY.total_seconds():g})",
    )
    parser.add_argument(
        "--witness-policy",
        type=Path,
        help="k of n witness keys (JSON) that must have cosigned the latest checkpoint",
    )
    parser.add_argument(
        "--cosigned",
        type=Path,
        help="the cosigned notes (default: the archive's data/cosigned or the key "
        "directory's cosigned/)",
    )
    parser.add_argument(
        "--algorithms",
        type=Path,
        help="algorithm states and dates (JSON): entries under a weakened "
        "algorithm need a renewal checkpoint made before it weakened (archives)",
    )
    parser.add_argument(
        "--pq-key",
        type=Path,
        help="the log's ML-DSA-65 key (hex; default: the archive's log-mldsa65.pub)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the verifier; return the exit code."""
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    if args.year_archive is not None:
        return _year_archive(args, out)
    try:
        inputs = gather(
            store=args.store,
            archive=args.archive,
            keys=args.keys,
            log_key=args.log_key,
            policy=args.policy,
            retention=args.retention,
            trusted_checkpoint=args.trusted_checkpoint,
        )
        verifier = Verifier(
            log_key=inputs.log_key,
            policy=inputs.policy,
            retention=inputs.retention,
            default_policy=inputs.default_policy,
            default_retention=inputs.default_retention,
            trusted_checkpoint=inputs.trusted_checkpoint,
            state_file=args.state
            or default_state_path(
                inputs.log_key.origin, inputs.log_key.key_id, inputs.source.location
            ),
            since_checkpoint=args.since_checkpoint,
            now=None if args.now is None else parse_moment(args.now),
            workers=args.workers,
            seal_delay=parse_seal_delay(args.seal_delay),
        )
        try:
            report = verifier.audit(inputs.source, progress=_progress())
        finally:
            inputs.source.close()
        if args.witness_policy is not None:
            report = _witnessed(report, args, inputs.log_key)
        if args.algorithms is not None:
            report = _renewed(report, args, inputs.log_key)
    except VerificationError as e:
        print(f"error: {e}", file=sys.stderr)
        if args.json:
            failure = {"ok": False, "error": str(e), "exit_code": 2}
            print(json.dumps(failure, ensure_ascii=False, indent=2), file=out)
        return 2
    code = 0 if report.ok else 1
    try:
        if args.json:
            print(json.dumps(report.to_json(), ensure_ascii=False, indent=2), file=out)
        else:
            print(report.text(), end="", file=out)
        out.flush()
    except BrokenPipeError:  # the reader stopped early (| head): no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return code


def _year_archive(args: argparse.Namespace, out: TextIO) -> int:
    """``--year-archive``: the year's archive checked (`verify.yearbag`)."""
    try:
        log_key = None if args.log_key is None else LogKey.from_vkey_file(args.log_key)
        trusted = (
            None
            if args.trusted_checkpoint is None
            else args.trusted_checkpoint.read_text(encoding="utf-8")
        )
        report = check_year_archive(args.year_archive, log_key=log_key, trusted=trusted)
    except (VerificationError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        if args.json:
            failure = {"ok": False, "error": str(e), "exit_code": 2}
            print(json.dumps(failure, ensure_ascii=False, indent=2), file=out)
        return 2
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2), file=out)
    else:
        print(report.text(), end="", file=out)
    return 0 if report.ok else 1


def _witnessed(report: Report, args: argparse.Namespace, log_key: LogKey) -> Report:
    """The report, with a finding if the witness policy is not met."""
    policy = WitnessPolicy.load(args.witness_policy)
    folder = args.cosigned
    if folder is None:
        folder = (
            args.archive / "data" / "cosigned"
            if args.archive is not None
            else (args.keys or Path()) / "cosigned"
        )
    found = check_witnessed(
        report.tree_size, report.root, read_cosigned(folder), log_key, policy
    )
    if not found:
        return replace(report, notes=(*report.notes, "witness policy met"))
    kinds = dict(report.findings_by_kind)
    kinds[KIND] = kinds.get(KIND, 0) + len(found)
    return replace(report, findings=(*report.findings, *found), findings_by_kind=kinds)


def _renewed(report: Report, args: argparse.Namespace, log_key: LogKey) -> Report:
    """The report, with findings for entries no renewal keeps provable."""
    if args.archive is None:
        msg = "--algorithms checks an exported archive (--archive)"
        raise VerificationError(msg)
    policy = AlgorithmPolicy.load(args.algorithms)
    data = args.archive / "data"
    key_path = args.pq_key or data / "log-mldsa65.pub"
    found_renewals = []
    if key_path.is_file():
        public = bytes.fromhex(key_path.read_text().strip())
        for size, note in sorted(read_cosigned(data / "renewals").items()):
            found_renewals.append(
                read_renewal(note, log_key.origin, public, f"renewals/{size}")
            )
    roots = {
        size: parse_checkpoint(note).root
        for size, note in read_cosigned(data / "checkpoints").items()
    }
    now = datetime.now(UTC) if args.now is None else parse_moment(args.now)
    found = check_renewals(
        archive_entry_algorithms(data / "log.jsonl"),
        found_renewals,
        roots,
        policy,
        now,
    )
    return _with(report, found, RENEWAL, f"{len(found_renewals)} renewal(s) checked")


def _with(report: Report, found: list[Finding], kind: str, note: str) -> Report:
    if not found:
        return replace(report, notes=(*report.notes, note))
    kinds = dict(report.findings_by_kind)
    for finding in found:
        kinds[finding.kind] = kinds.get(finding.kind, 0) + 1
    return replace(report, findings=(*report.findings, *found), findings_by_kind=kinds)


def _progress() -> Progress | None:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\rverifying: {done}/{total} entries", end=end, file=sys.stderr)

    return show


if __name__ == "__main__":
    sys.exit(main())
