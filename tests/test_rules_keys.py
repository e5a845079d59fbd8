"""Signing keys and seals: rotation, revocation, what a seal covers, which keys it accepts."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import update
from sqlmodel import Session, select

from domain import audit, documents, keys
from domain.auth import SYSTEM, Actor
from domain.errors import AuthError, BBTError
from models import Attachment, Document, SigningKey
from tests import rules_support
from tests.rules_support import World

world = rules_support.world
PASSPHRASE = "Khoa-bi-mat-2022"


def issued(world: World, issuer: str = "BBT", file: Path | None = None) -> str:
    return world.run(lambda s: documents.issue(s, SYSTEM, "KH", issuer, "Kế hoạch",
                                               day="2022-03-01", file=file).number)


def verify(world: World, number: str) -> keys.Verification:
    return world.read(lambda s: keys.verify(s, SYSTEM, number))


def change(world: World, which: str, **values: object) -> None:
    world.run(lambda s: s.execute(update(Document).where(Document.number == which)  # type: ignore[arg-type]
                                  .values(**values)))


def test_a_passphrase_needs_ten_characters(world: World) -> None:
    with pytest.raises(BBTError, match="^A key passphrase needs at least 10 characters.$"):
        world.run(keys.create, SYSTEM, "BBT", "x" * 9)
    key = world.run(keys.create, SYSTEM, "BBT", "x" * 10)
    assert key.unit_id == world.unit_ids["BBT"] and key.revoked_at is None
    assert len(key.public_key) == 32
    assert key.fingerprint == hashlib.sha256(key.public_key).hexdigest()
    entry = world.audit("key.create")[-1]
    assert (entry.entity, entry.entity_key) == ("signing_key", key.fingerprint)
    assert json.loads(entry.detail) == {"unit": "BBT", "public_key": key.public_key.hex()}


def test_a_new_key_retires_the_old_one_and_revocation_counts_them(world: World) -> None:
    first = world.run(keys.create, SYSTEM, "BBT", PASSPHRASE)
    second = world.run(keys.create, SYSTEM, "BBT", PASSPHRASE)
    world.run(keys.create, SYSTEM, "HU", PASSPHRASE)
    by_fingerprint = {row["fingerprint"]: row for row in world.read(keys.listing)}
    assert by_fingerprint[first.fingerprint]["revoked_at"] is not None
    assert by_fingerprint[second.fingerprint]["revoked_at"] is None
    assert [row["unit"] for row in world.read(keys.listing)] == ["BBT", "BBT", "HU"]
    retired = world.audit("key.revoke")  # a new key retires the old one, with its entry
    assert [(e.entity_key, e.detail) for e in retired] == [(first.fingerprint, '{"unit": "BBT"}')]
    assert world.run(keys.revoke, SYSTEM, "BBT") == 1
    entry = world.audit("key.revoke")[-1]
    assert (entry.entity, entry.entity_key, entry.detail) == ("signing_key", second.fingerprint,
                                                              '{"unit": "BBT"}')
    with pytest.raises(BBTError, match="^BBT has no active signing key.$"):
        world.run(keys.revoke, SYSTEM, "BBT")
    assert len(world.audit("key.revoke")) == 2
    hu_keys = world.read(lambda s: keys.active_keys(s, documents.units.get(s, "HU")))
    assert [k.unit_id for k in hu_keys] == [world.unit_ids["HU"]]


def test_a_seal_verifies_and_names_its_key(world: World, tmp_path: Path) -> None:
    attachment = tmp_path / "ke-hoach.pdf"
    attachment.write_bytes(b"%PDF-1.4 noi dung")
    number = issued(world, file=attachment)
    key = world.run(keys.create, SYSTEM, "BBT", PASSPHRASE)
    signed = world.run(keys.sign, world.actor("operator"), number, PASSPHRASE)
    assert signed.signing_key_id == key.id and signed.signed_at is not None
    entry = world.audit("document.sign")[-1]
    assert (entry.entity, entry.entity_key, entry.actor, json.loads(entry.detail)) == (
        "document", number, "operator-bbt", {"year": 2022, "fingerprint": key.fingerprint[:16]})
    assert verify(world, number) == keys.Verification(
        True, f"valid seal of BBT, key {key.fingerprint[:16]}")
    world.run(keys.revoke, SYSTEM, "BBT")
    later = verify(world, number)
    assert later.valid and later.reason.startswith(
        f"valid seal of BBT, key {key.fingerprint[:16]} (the key was revoked later, on ")


def test_signing_is_refused_without_a_key_with_a_wrong_passphrase_or_for_incoming(world: World
                                                                                 ) -> None:
    number = issued(world)
    with pytest.raises(BBTError) as refused:
        world.run(keys.sign, SYSTEM, number, PASSPHRASE)
    assert str(refused.value) == "BBT has no signing key; an admin creates one with `bbt key create`."
    world.run(keys.create, SYSTEM, "BBT", PASSPHRASE)
    with pytest.raises(BBTError, match="^Wrong passphrase for this signing key.$"):
        world.run(keys.sign, SYSTEM, number, PASSPHRASE + "!")
    incoming = world.run(lambda s: documents.receive(s, SYSTEM, "5-CV/TU", "TU", "2022-03-01",
                                                     "Công văn", to="BBT").number)
    with pytest.raises(BBTError, match="^Only documents issued here are sealed here.$"):
        world.run(keys.sign, SYSTEM, incoming, PASSPHRASE)
    assert world.audit("document.sign") == []
    assert verify(world, number) == keys.Verification(False, f"{number} is not sealed.")


def test_the_newest_key_signs(world: World) -> None:
    number = issued(world)
    world.run(keys.create, SYSTEM, "BBT", PASSPHRASE)

    def second_key_active(session: Session) -> None:
        old = session.exec(select(SigningKey).order_by(SigningKey.id)).first()  # type: ignore[arg-type]
        assert old is not None
        old.revoked_at = None  # two active keys, as an interrupted rotation could leave
        session.add(old)

    newest = world.run(keys.create, SYSTEM, "BBT", "Khoa-moi-2022-x")
    world.run(second_key_active)
    assert world.run(keys.sign, SYSTEM, number, "Khoa-moi-2022-x").signing_key_id == newest.id
    assert verify(world, number).valid  # the newest key's own creation entry is found


METADATA = {"title": "Kế hoạch khác", "date": date(2022, 3, 2), "urgency": "urgent",
            "signer": "Người khác", "place": "Nơi khác", "doc_type": "KL",
            "attachment_name": "khac.pdf", "number": "02-KH/BBT"}


def test_the_seal_covers_the_metadata(world: World) -> None:
    number = issued(world)
    world.run(keys.create, SYSTEM, "BBT", PASSPHRASE)
    signed = world.run(keys.sign, SYSTEM, number, PASSPHRASE)
    for field, value in METADATA.items():  # one field changed at a time, then put back
        change(world, number, **{field: value})
        shown = value if field == "number" else number
        assert verify(world, shown) == keys.Verification(  # type: ignore[arg-type]
            False, "the content or metadata changed after signing"), field
        change(world, shown, **{field: getattr(signed, field)})  # type: ignore[arg-type]
        assert verify(world, number).valid, field


def test_the_seal_covers_the_signing_time_and_the_attachment(world: World, tmp_path: Path
                                                            ) -> None:
    attachment = tmp_path / "a.pdf"
    attachment.write_bytes(b"original")
    number = issued(world, file=attachment)
    world.run(keys.create, SYSTEM, "BBT", PASSPHRASE)
    signed = world.run(keys.sign, SYSTEM, number, PASSPHRASE)
    change(world, number, signed_at=signed.signed_at + timedelta(seconds=1))
    assert not verify(world, number).valid
    change(world, number, signed_at=signed.signed_at)
    assert verify(world, number).valid
    original = signed.attachment_sha256
    world.run(lambda s: s.execute(update(Attachment).where(Attachment.sha256 == original)  # type: ignore[arg-type]
                                  .values(data=b"forged")))
    assert verify(world, number) == keys.Verification(False, "the attachment was altered")
    other = tmp_path / "b.pdf"
    other.write_bytes(b"altered")
    sha, _name = world.run(documents.store_attachment, other)
    change(world, number, attachment_sha256=sha)
    assert verify(world, number) == keys.Verification(
        False, "the content or metadata changed after signing")


def test_a_seal_made_with_another_units_key_is_refused(world: World) -> None:
    number = issued(world)
    world.run(keys.create, SYSTEM, "HU", PASSPHRASE)
    hu_number = issued(world, "HU")
    hu_doc = world.run(keys.sign, SYSTEM, hu_number, PASSPHRASE)
    # The HU seal copied onto a BBT document: a valid signature, by the wrong unit's key.
    change(world, number, signature=hu_doc.signature, signing_key_id=hu_doc.signing_key_id,
           signed_at=hu_doc.signed_at)
    assert verify(world, number) == keys.Verification(False, "the key belongs to another unit")


def test_a_seal_after_revocation_or_by_an_unknown_key_is_refused(world: World) -> None:
    number = issued(world)
    key = world.run(keys.create, SYSTEM, "BBT", PASSPHRASE)
    signed = world.run(keys.sign, SYSTEM, number, PASSPHRASE)
    world.run(lambda s: s.execute(update(SigningKey).where(SigningKey.id == key.id)  # type: ignore[arg-type]
                                  .values(revoked_at=signed.signed_at)))
    assert verify(world, number) == keys.Verification(
        False, "the key was revoked before the document was signed")
    change(world, number, signing_key_id=None)
    assert verify(world, number) == keys.Verification(False, "the signing key is unknown")


def test_the_sealed_digest_is_the_documented_canonical_form() -> None:
    """Seals made today must verify with any later version: the form is a contract."""
    doc = Document(number="117-BC/BBT", doc_type="BC", issuer_id=1, date=date(2022, 6, 30),
                   title="Báo cáo sơ kết", urgency="urgent", signer="Nguyễn Văn A",
                   place="Bảo Lâm", direction="outgoing", attachment_name="bc.pdf", seq=117,
                   period="2020-10-01")
    at = datetime(2022, 7, 1, 8, 30, tzinfo=UTC)
    canonical = (
        '{"attachment_name":"bc.pdf","attachment_sha256":"'
        + hashlib.sha256(b"noi dung").hexdigest() + '","date":"2022-06-30",'
        '"direction":"outgoing","issuer":"BBT","number":"117-BC/BBT","place":"Bảo Lâm",'
        '"signed_at":"2022-07-01T08:30:00+00:00","signer":"Nguyễn Văn A",'
        '"title":"Báo cáo sơ kết","type":"BC","urgency":"urgent"}')
    assert keys.digest(doc, "BBT", b"noi dung", at) == hashlib.sha256(canonical.encode()).digest()
    without = canonical.replace('"' + hashlib.sha256(b"noi dung").hexdigest() + '"', "null")
    assert keys.digest(doc, "BBT", None, at) == hashlib.sha256(without.encode()).digest()
    decomposed = Document(**{**doc.model_dump(), "title": unicodedata.normalize(
        "NFD", "Báo cáo sơ kết")})
    assert keys.digest(decomposed, "BBT", None, at) == keys.digest(doc, "BBT", None, at)


def test_keys_are_listed_by_unit_then_age(world: World) -> None:
    hu = world.run(keys.create, SYSTEM, "HU", PASSPHRASE)
    first = world.run(keys.create, SYSTEM, "BBT", PASSPHRASE)
    second = world.run(keys.create, SYSTEM, "BBT", PASSPHRASE)
    rows = world.read(keys.listing)
    assert [(r["unit"], r["fingerprint"]) for r in rows] == [
        ("BBT", first.fingerprint), ("BBT", second.fingerprint), ("HU", hu.fingerprint)]
    assert rows[0]["created_at"] == first.created_at.isoformat()
    assert rows[0]["revoked_at"] is not None and rows[1]["revoked_at"] is None
    assert (len(first.kdf_salt), len(first.nonce), len(first.wrapped_private_key)) == (16, 12, 48)


def test_a_key_row_is_believed_only_with_its_audited_creation(world: World) -> None:
    key = world.run(keys.create, SYSTEM, "BBT", PASSPHRASE)
    assert world.read(lambda s: keys.key_problem(s, key, "BBT")) is None
    not_in_trail = "the signing key's creation is not in the audit trail"
    # The creation entry names BBT: the same row claimed for HU is not believed.
    assert world.read(lambda s: keys.key_problem(s, key, "HU")) == not_in_trail
    # An entry for the fingerprint that records another public key is not its creation.
    other = Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    stray = SigningKey(unit_id=key.unit_id, public_key=other, wrapped_private_key=b"",
                       kdf_salt=b"", nonce=b"", fingerprint=keys.fingerprint_of(other))
    assert world.read(lambda s: keys.key_problem(s, stray, "BBT")) == not_in_trail
    world.run(lambda s: audit.record(s, SYSTEM, "key.create", "signing_key", stray.fingerprint,
                                     unit="BBT", public_key=key.public_key.hex()))
    assert world.read(lambda s: keys.key_problem(s, stray, "BBT")) == not_in_trail
    stray.fingerprint = "0" * 64
    assert world.read(lambda s: keys.key_problem(s, stray, "BBT")) == (
        "the signing key's fingerprint does not match its public key")


def test_a_seal_by_a_key_row_with_a_changed_fingerprint_is_refused(world: World) -> None:
    number = issued(world)
    key = world.run(keys.create, SYSTEM, "BBT", PASSPHRASE)
    world.run(keys.sign, SYSTEM, number, PASSPHRASE)
    world.run(lambda s: s.execute(update(SigningKey).where(SigningKey.id == key.id)  # type: ignore[arg-type]
                                  .values(fingerprint="f" * 64)))
    assert verify(world, number) == keys.Verification(
        False, "the signing key's fingerprint does not match its public key")


def test_clearing_a_revocation_in_the_table_does_not_bring_the_key_back(world: World) -> None:
    before, after = issued(world), issued(world)
    key = world.run(keys.create, SYSTEM, "BBT", PASSPHRASE)
    world.run(keys.sign, SYSTEM, before, PASSPHRASE)
    world.run(keys.revoke, SYSTEM, "BBT")
    revoked_on = world.audit("key.revoke")[-1].at

    def set_revoked(at: datetime | None) -> None:
        world.run(lambda s: s.execute(update(SigningKey).where(SigningKey.id == key.id)  # type: ignore[arg-type]
                                      .values(revoked_at=at)))

    set_revoked(None)  # the row says active again; the audited revocation still counts
    world.run(keys.sign, SYSTEM, after, PASSPHRASE)
    assert verify(world, after) == keys.Verification(
        False, "the key was revoked before the document was signed")
    note = f" (the key was revoked later, on {revoked_on.date()})"
    assert verify(world, before) == keys.Verification(
        True, f"valid seal of BBT, key {key.fingerprint[:16]}{note}")
    set_revoked(datetime(2099, 1, 1, tzinfo=UTC))  # the earlier of the two times counts
    assert verify(world, before).reason.endswith(note)


def test_a_repeated_number_is_verified_in_the_year_given(world: World) -> None:
    def issue(day: str) -> str:
        return world.run(lambda s: documents.issue(s, SYSTEM, "QĐ", "UBND", "Quyết định",
                                                   day=day).number)

    number = issue("2022-03-01")
    assert issue("2023-03-01") == number  # a state body's numbers restart each year
    world.run(keys.create, SYSTEM, "UBND", PASSPHRASE)
    world.run(keys.sign, SYSTEM, number, PASSPHRASE, year=2023)
    assert world.read(lambda s: keys.verify(s, SYSTEM, number, year=2023)).valid
    assert world.read(lambda s: keys.verify(s, SYSTEM, number, year=2022)) == keys.Verification(
        False, f"{number} is not sealed.")


def test_a_scoped_admin_revokes_no_key_outside_its_units_and_half_a_seal_is_none(world: World
                                                                                ) -> None:
    number = issued(world)
    world.run(keys.create, SYSTEM, "BBT", PASSPHRASE)
    signed = world.run(keys.sign, SYSTEM, number, PASSPHRASE)
    xa1 = world.unit_ids["XA1"]
    scoped = Actor("admin-xa1", "admin", unit_id=xa1, unit_code="XA1", scope_unit_id=xa1,
                   scope_code="XA1", scope=frozenset({xa1}))
    with pytest.raises(AuthError):
        world.run(keys.revoke, scoped, "BBT")
    assert world.audit("key.revoke") == [] and signed.signature is not None
    change(world, number, signed_at=None)  # a signature without its time is no seal
    assert verify(world, number) == keys.Verification(False, f"{number} is not sealed.")
