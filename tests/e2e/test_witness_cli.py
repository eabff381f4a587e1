"""`letopis witness …` and `letopis log renew…` in a real subprocess (issue 16).

A witness is made and told of the school's log; the school is pointed at it;
bad input is refused with exit 2, a sentence naming what is wrong, and
nothing written. The log's ML-DSA-65 key is made and a renewal signed.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import letopis
from verify.cosignature import parse_cosigner_vkey
from verify.note import verifier_key


def _school(tmp_path: Path) -> tuple[str, Path]:
    store, keys = f"sqlite:///{tmp_path / 'school.db'}", tmp_path / "keys"
    made = letopis(
        "init", "--store", store, "--keys", str(keys), "--origin", "letopis.test/w-1"
    )
    assert made.returncode == 0, made.stderr
    return store, keys


def test_a_witness_is_made_told_of_the_log_and_configured(tmp_path: Path) -> None:
    store, keys = _school(tmp_path)
    state = tmp_path / "witness"
    made = letopis("witness", "init", "--state", str(state), "--name", "uo.test/w")
    assert made.returncode == 0, made.stderr
    vkey = made.stdout.strip()
    assert parse_cosigner_vkey(vkey)[0] == "uo.test/w"

    config = json.loads((keys / "letopis.json").read_text())
    log_vkey = verifier_key(
        config["origin"], bytes.fromhex((keys / "log.pub").read_text())
    )
    added = letopis(
        "witness", "add-log", "--state", str(state),
        "--origin", config["origin"], "--vkey", log_vkey,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert json.loads((state / "logs.json").read_text()) == {config["origin"]: log_vkey}

    pointed = letopis(
        "witness",
        "add",
        "--keys",
        str(keys),
        "--url",
        "http://127.0.0.1:9",
        "--vkey",
        vkey,
    )
    assert pointed.returncode == 0, pointed.stderr
    status = letopis("witness", "status", "--keys", str(keys))
    assert "uo.test/w http://127.0.0.1:9: latest cosigned size none" in status.stdout

    # a new key is a new entry, sealed at once: the absent witness stops nothing
    sealed = letopis(
        "keys", "add", "ivanova", "--store", store, "--keys", str(keys),
        "--holder", "00000000-0000-4000-8000-000000000001", "--role", "director",
        "--first-staff",
    )  # fmt: skip
    assert sealed.returncode == 0, sealed.stderr
    status = letopis("log", "status", "--keys", str(keys))
    assert "witness failure" in status.stdout
    assert "uo.test/w" in status.stdout


def test_bad_witness_input_is_refused_and_nothing_written(tmp_path: Path) -> None:
    _, keys = _school(tmp_path)
    state = tmp_path / "witness"
    vkey = letopis("witness", "init", "--state", str(state), "--name", "uo.test/w")
    again = letopis("witness", "init", "--state", str(state), "--name", "uo.test/x")
    assert again.returncode == 2
    assert "holds a witness already" in again.stderr

    bad_log = letopis(
        "witness",
        "add-log",
        "--state",
        str(state),
        "--origin",
        "o",
        "--vkey",
        "nonsense",
    )
    assert bad_log.returncode == 2
    assert "is not <name>+<hex hash>+<base64 key>" in bad_log.stderr
    assert json.loads((state / "logs.json").read_text()) == {}

    bad_url = letopis(
        "witness", "add", "--keys", str(keys), "--url", "ftp://x", "--vkey", vkey.stdout
    )
    assert bad_url.returncode == 2
    assert "must start with http:// or https://" in bad_url.stderr
    log_key = letopis(
        "witness", "add", "--keys", str(keys), "--url", "http://x",
        "--vkey", verifier_key("o", bytes(32)),
    )  # fmt: skip
    assert log_key.returncode == 2
    assert "is not an Ed25519 cosignature/v1 key" in log_key.stderr
    assert not (keys / "witnesses.json").exists()


def test_the_log_gets_an_ml_dsa_65_key_and_a_renewal(tmp_path: Path) -> None:
    store, keys = _school(tmp_path)
    made = letopis("log", "renew-key", "--keys", str(keys))
    assert made.returncode == 0, made.stderr
    renewed = letopis("log", "renew", "--store", store, "--keys", str(keys))
    assert renewed.returncode == 0, renewed.stderr
    assert "renewed " in renewed.stdout
    twice = letopis("log", "renew-key", "--keys", str(keys))
    assert twice.returncode == 2
    assert "has an ML-DSA-65 key already" in twice.stderr
    status = letopis("log", "status", "--keys", str(keys))
    assert "ML-DSA-65 log key: yes" in status.stdout
    assert "renewal at size" in status.stdout
