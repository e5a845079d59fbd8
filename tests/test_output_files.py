"""Files written for the user: mode 600, never half-written, never overwriting without force."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from domain.errors import BBTError
from domain.output import private_file, write_private


def test_new_file_is_private_and_whole(tmp_path: Path) -> None:
    target = tmp_path / "r.md"
    write_private(target, b"abc")
    assert target.read_bytes() == b"abc"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_existing_file_is_refused_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "r.md"
    target.write_bytes(b"old")
    with pytest.raises(BBTError, match="already exists"):
        write_private(target, b"new")
    assert target.read_bytes() == b"old"
    write_private(target, b"new", force=True)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_folder_and_missing_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(BBTError, match="folder"):
        write_private(tmp_path, b"x")
    with pytest.raises(BBTError, match="does not exist"):
        write_private(tmp_path / "nowhere" / "r.md", b"x")


def test_failure_midway_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "r.docx"
    with pytest.raises(RuntimeError), private_file(target) as handle:
        handle.write(b"half")
        raise RuntimeError("renderer crashed")
    assert list(tmp_path.iterdir()) == []
