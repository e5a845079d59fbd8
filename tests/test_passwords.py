"""Password policy and comparison (SPEC 7.2, ASVS 5.0 6.2) on SQLite and PostgreSQL:
compared in NFC, the most common passwords, one repeated character and the username refused,
the minimum length on both sides of the boundary, long passphrases accepted."""

from __future__ import annotations

import unicodedata

import pytest

from domain import auth
from domain.errors import BBTError
from tests.conftest import Bbt

COMPOSED = unicodedata.normalize("NFC", "Mật-khẩu-Bảo-Lâm-2022")
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)


def add(bbt: Bbt, username: str, password: str):  # type: ignore[no-untyped-def]
    return bbt("account", "add", username, "--unit", "BBT", "--role", "viewer",
               "--password-stdin", input=password + "\n")


def test_forms_differ_as_bytes() -> None:
    assert COMPOSED != DECOMPOSED and COMPOSED.encode() != DECOMPOSED.encode()


@pytest.mark.parametrize(("set_as", "typed"), [(COMPOSED, DECOMPOSED), (DECOMPOSED, COMPOSED)])
def test_password_is_compared_in_nfc(bbt: Bbt, set_as: str, typed: str) -> None:
    add(bbt, "nguoidung", set_as)
    bbt.as_("nguoidung", typed).ok("account", "list", "--json")
    bbt.as_("nguoidung", set_as).ok("account", "list", "--json")
    assert bbt.as_("nguoidung", typed[:-1] + "3")("account", "list").exit_code == 3


def test_a_hash_of_a_decomposed_password_made_before_nfc_still_opens() -> None:
    """Hashes stored before passwords were normalised hold the bytes as typed."""
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    legacy = Argon2id(salt=b"0" * 16, length=32, iterations=1, lanes=1,
                      memory_cost=1024).derive_phc_encoded(DECOMPOSED.encode())
    assert auth.check_password(DECOMPOSED, legacy)
    assert not auth.check_password(COMPOSED + "x", legacy)


REFUSED = {
    "common": "password1",
    "common in capitals": "PASSWORD1",
    "common, further down the list": "sunshine1",
    "Vietnamese favourite": "matkhau123",
    "one repeated character": "aaaaaaaa",
    "one repeated letter with a diacritic": "ệệệệệệệệệệ",
    "the username": "NguyenVanA",
    "seven characters": "Xk3#pq9",
    "257 characters": "Xk3#pq9z" * 32 + "!",
}
ACCEPTED = {
    "eight characters": "Xk3#pq9z",
    "64 characters": "một câu dài làm mật khẩu cho Ban Biên tập huyện Bảo Lâm năm 2022!",
    "256 characters": ("Xk3#pq9z" * 32),
}


def test_the_shipped_list_is_loaded() -> None:
    common = auth.common_passwords()
    assert len(common) > 19_000
    assert {"123456", "password", "sunshine1", "matkhau"} <= common


def test_policy_through_the_cli(bbt: Bbt) -> None:
    assert len(ACCEPTED["64 characters"]) >= 64
    assert "sunshine1" in auth.common_passwords()
    for name, password in REFUSED.items():
        result = add(bbt, "nguyenvana", password)
        assert result.exit_code == 1, name
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, name
    for i, (name, password) in enumerate(ACCEPTED.items()):
        add(bbt, f"nguoi{i}", password)
        assert bbt.as_(f"nguoi{i}", password)("account", "list", "--json").exit_code == 0, name


@pytest.mark.parametrize("password", ["aaaaaaaa", "password", "Admin", "1234567"])
def test_policy_in_the_domain(password: str) -> None:
    with pytest.raises(BBTError):
        auth.validate_new_password(password, "admin")


def test_change_password_obeys_the_policy(bbt: Bbt) -> None:
    refused = bbt("passwd", "--password-stdin", input="bbbbbbbbbbbb\n")
    assert refused.exit_code == 1 and "repeated" in refused.stderr
