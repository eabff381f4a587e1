"""BagIt manifests checked with hashlib alone, against bags the bagit library made."""

from __future__ import annotations

from pathlib import Path

import bagit
import pytest

from verify.bag import Bag, BagError


@pytest.fixture
def bag(tmp_path: Path) -> Path:
    folder = tmp_path / "bag"
    folder.mkdir()
    (folder / "log.jsonl").write_bytes(b'{"a":1}\n{"b":2}\n')
    (folder / "odd %name.txt").write_text("percent")
    bagit.make_bag(str(folder), checksums=["sha256", "sha512"])
    return folder


def test_a_bag_made_by_bagit_checks_clean(bag: Path) -> None:
    opened = Bag.open(bag)
    assert opened.algorithm == "sha256"
    assert opened.check() == []


def test_a_changed_a_missing_and_an_unlisted_file_are_each_named(bag: Path) -> None:
    (bag / "data" / "log.jsonl").write_bytes(b'{"a":2}\n')
    (bag / "data" / "odd %name.txt").unlink()
    (bag / "data" / "extra").write_text("x")
    details = [f.detail for f in Bag.open(bag).check()]
    assert any("log.jsonl does not match" in d for d in details)
    assert any("odd %name.txt is listed in the manifest" in d for d in details)
    assert any("data/extra is in the bag but in no manifest" in d for d in details)


def test_a_changed_tag_file_is_named(bag: Path) -> None:
    (bag / "bag-info.txt").write_text("Source-Organization: someone else\n")
    assert any("bag-info.txt" in f.detail for f in Bag.open(bag).check())


def test_a_folder_that_is_not_a_bag_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BagError, match="not a BagIt bag"):
        Bag.open(tmp_path)
