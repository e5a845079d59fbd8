"""Signing keys and seals: one Ed25519 key pair per issuing unit.

The private key is never stored in clear: its raw 32 bytes are sealed with AES-256-GCM under
a key derived from the passphrase by Argon2id (PKCS#8's BestAvailableEncryption would use
PBKDF2 with only 2048 iterations, SPEC section 6). Revoked keys stay in the table so that
old seals still verify and show that the key was revoked later.

A seal is an Ed25519 signature over SHA-256 of the canonical metadata (sorted-key UTF-8 JSON,
text in NFC) and the attachment's bytes. It proves integrity and attribution inside BBT; it
is not the legal CA-backed digital signature of the Government Cipher Committee.
"""

from __future__ import annotations

import hashlib
import json
import os
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from sqlmodel import Session, col, select

from domain import audit, documents, units
from domain.auth import ARGON2_ITERATIONS, ARGON2_LANES, ARGON2_MEMORY_KIB, Actor, require
from domain.errors import BBTError
from domain.i18n import _
from models import Document, SigningKey, Unit, as_utc, utcnow

MIN_PASSPHRASE = 10
_RAW = serialization.Encoding.Raw


def _kek(passphrase: str, salt: bytes) -> bytes:
    return Argon2id(salt=salt, length=32, iterations=ARGON2_ITERATIONS, lanes=ARGON2_LANES,
                    memory_cost=ARGON2_MEMORY_KIB).derive(passphrase.encode())


def create(session: Session, actor: Actor, unit_code: str, passphrase: str) -> SigningKey:
    """A new key pair for a unit; an earlier active key stays valid for its old seals but
    is retired (revoked from now on), which is key rotation."""
    require(actor, "keys.write")
    if len(passphrase) < MIN_PASSPHRASE:
        raise BBTError(_("A key passphrase needs at least {n} characters.").format(
            n=MIN_PASSPHRASE))
    unit = units.visible(session, actor, unit_code)
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(_RAW, serialization.PrivateFormat.Raw,
                                        serialization.NoEncryption())
    public = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    fingerprint = hashlib.sha256(public).hexdigest()
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = AESGCM(_kek(passphrase, salt)).encrypt(nonce, raw_private, fingerprint.encode())
    for old in active_keys(session, unit):
        _retire(session, actor, old, unit)
    key = SigningKey(unit_id=unit.id, public_key=public, wrapped_private_key=sealed,  # type: ignore[arg-type]
                     kdf_salt=salt, nonce=nonce, fingerprint=fingerprint)
    session.add(key)
    session.flush()
    # The chain covers key rows: `verify` refuses a key whose creation it does not record.
    audit.record(session, actor, "key.create", "signing_key", fingerprint, unit=unit.code,
                 public_key=public.hex())
    return key


def _retire(session: Session, actor: Actor, key: SigningKey, unit: Unit) -> None:
    key.revoked_at = utcnow()
    session.add(key)
    audit.record(session, actor, "key.revoke", "signing_key", key.fingerprint, unit=unit.code)


def active_keys(session: Session, unit: Unit) -> list[SigningKey]:
    return list(session.exec(select(SigningKey).where(
        SigningKey.unit_id == unit.id, col(SigningKey.revoked_at).is_(None))))


def revoke(session: Session, actor: Actor, unit_code: str) -> int:
    require(actor, "keys.write")
    unit = units.visible(session, actor, unit_code)
    keys = active_keys(session, unit)
    if not keys:
        raise BBTError(_("{unit} has no active signing key.").format(unit=unit.code))
    for key in keys:
        _retire(session, actor, key, unit)
    return len(keys)


def listing(session: Session) -> list[dict[str, object]]:
    rows = session.exec(select(SigningKey, Unit.code).join(Unit, col(Unit.id) == SigningKey.unit_id)
                        .order_by(col(Unit.code), col(SigningKey.created_at)))
    return [{"unit": code, "fingerprint": k.fingerprint, "created_at": k.created_at.isoformat(),
             "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None}
            for k, code in rows]


def _unseal(key: SigningKey, passphrase: str) -> Ed25519PrivateKey:
    try:
        raw = AESGCM(_kek(passphrase, key.kdf_salt)).decrypt(
            key.nonce, key.wrapped_private_key, key.fingerprint.encode())
    except InvalidTag:
        raise BBTError(_("Wrong passphrase for this signing key.")) from None
    return Ed25519PrivateKey.from_private_bytes(raw)


def digest(doc: Document, issuer_code: str, content: bytes | None, signed_at: datetime) -> bytes:
    """SHA-256 over the canonical metadata and the attachment's bytes."""
    metadata = {
        "number": doc.number, "type": doc.doc_type, "issuer": issuer_code,
        "date": doc.date.isoformat(), "title": doc.title, "urgency": doc.urgency,
        "signer": doc.signer, "place": doc.place, "direction": doc.direction,
        "attachment_name": doc.attachment_name, "signed_at": signed_at.isoformat(),
        "attachment_sha256": hashlib.sha256(content).hexdigest() if content is not None else None,
    }
    canonical = unicodedata.normalize(
        "NFC", json.dumps(metadata, sort_keys=True, ensure_ascii=False, separators=(",", ":")))
    return hashlib.sha256(canonical.encode()).digest()


def sign(session: Session, actor: Actor, number: str, passphrase: str,
         *, year: int | None = None) -> Document:
    require(actor, "documents.sign")
    doc = documents.owned(session, actor, number, year)
    if doc.direction != "outgoing":
        raise BBTError(_("Only documents issued here are sealed here."))
    issuer = session.get(Unit, doc.issuer_id)
    assert issuer is not None
    keys = active_keys(session, issuer)
    if not keys:
        raise BBTError(_("{unit} has no signing key; an admin creates one with "
                         "`bbt key create`.").format(unit=issuer.code))
    key = max(keys, key=lambda k: k.created_at)
    private = _unseal(key, passphrase)
    signed_at = utcnow()
    doc.signature = private.sign(
        digest(doc, issuer.code, documents.attachment_bytes(session, doc), signed_at))
    doc.signing_key_id, doc.signed_at = key.id, signed_at
    session.add(doc)
    audit.record_document(session, actor, "document.sign", doc,
                          fingerprint=key.fingerprint[:16])
    return doc


@dataclass
class Verification:
    valid: bool
    reason: str


def verify(session: Session, actor: Actor, number: str,
           trust: list[TrustedKey] | None = None, *, year: int | None = None) -> Verification:
    """Check a seal. The key row is not taken on its word: its fingerprint is recomputed from
    the public key, its creation must be in the audit chain with that public key, and with a
    trust list (kept outside the database) the key must be on it and valid when signing."""
    require(actor, "read")
    doc = documents.visible(session, actor, number, year)
    if doc.signature is None or doc.signed_at is None:
        return Verification(False, _("{number} is not sealed.").format(number=doc.number))
    key = session.get(SigningKey, doc.signing_key_id) if doc.signing_key_id else None
    if key is None:
        return Verification(False, _("the signing key is unknown"))
    issuer = session.get(Unit, doc.issuer_id)
    if issuer is None or issuer.id != key.unit_id:
        return Verification(False, _("the key belongs to another unit"))
    problem = key_problem(session, key, issuer.code, as_utc(doc.signed_at))
    if problem is None and trust is not None:
        problem = _trust_problem(trust, key, issuer.code, as_utc(doc.signed_at))
    if problem is not None:
        return Verification(False, problem)
    content = documents.attachment_bytes(session, doc)
    if doc.attachment_sha256 and (
            content is None or hashlib.sha256(content).hexdigest() != doc.attachment_sha256):
        return Verification(False, _("the attachment was altered"))
    try:
        Ed25519PublicKey.from_public_bytes(key.public_key).verify(
            doc.signature, digest(doc, issuer.code, content, doc.signed_at))
    except InvalidSignature:
        return Verification(False, _("the content or metadata changed after signing"))
    note = ""
    revoked = _revoked_at(session, key)
    if revoked is not None:
        note = _(" (the key was revoked later, on {day})").format(day=revoked.date())
    if trust is not None:
        note += _(" (on the trust list)")
    return Verification(True, _("valid seal of {unit}, key {fp}{note}").format(
        unit=issuer.code, fp=fingerprint_of(key.public_key)[:16], note=note))


def fingerprint_of(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()


def _revoked_at(session: Session, key: SigningKey) -> datetime | None:
    """The earlier of the row's revocation and the audited one: clearing `revoked_at` in
    the database does not bring a revoked key back."""
    entry = audit.find_key_entry(session, "key.revoke", key.fingerprint)
    times = [as_utc(t) for t in (key.revoked_at, entry.at if entry else None) if t is not None]
    return min(times) if times else None


def key_problem(session: Session, key: SigningKey, unit_code: str,
                signed_at: datetime | None = None) -> str | None:
    """Why this key row cannot be believed (or, given a signing time, used then); None if
    it can."""
    if fingerprint_of(key.public_key) != key.fingerprint:
        return _("the signing key's fingerprint does not match its public key")
    created = audit.find_key_entry(session, "key.create", key.fingerprint)
    if created is None or json.loads(created.detail).get("unit") != unit_code or \
            json.loads(created.detail).get("public_key") != key.public_key.hex():
        return _("the signing key's creation is not in the audit trail")
    revoked = _revoked_at(session, key)
    if signed_at is not None and revoked is not None and revoked <= signed_at:
        return _("the key was revoked before the document was signed")
    return None


# --- the trust list: every unit's public keys, kept outside the database ------------------

TRUST_FORMAT = "bbt-trust-1"


@dataclass(frozen=True)
class TrustedKey:
    unit: str
    public_key: bytes
    created_at: datetime
    revoked_at: datetime | None


def export_trust(session: Session, actor: Actor) -> dict[str, object]:
    """Every unit's keys with their validity; refused if any key row fails its checks, so
    that a list never vouches for a planted key."""
    require(actor, "read")
    rows = session.exec(select(SigningKey, Unit.code).join(Unit, col(Unit.id) == SigningKey.unit_id)
                        .order_by(col(Unit.code), col(SigningKey.created_at)))
    listed = []
    for key, code in rows:
        problem = key_problem(session, key, code)
        if problem is not None:
            raise BBTError(_("The key {fp} of {unit} cannot be exported: {reason}.").format(
                fp=key.fingerprint[:16], unit=code, reason=problem))
        revoked = _revoked_at(session, key)
        listed.append({"unit": code, "fingerprint": key.fingerprint,
                       "public_key": key.public_key.hex(),
                       "valid_from": as_utc(key.created_at).isoformat(),
                       "valid_until": revoked.isoformat() if revoked else None})
    return {"format": TRUST_FORMAT, "exported_at": utcnow().isoformat(timespec="seconds"),
            "keys": listed}


def parse_trust(text: str) -> list[TrustedKey]:
    """Read a trust list; the fingerprints in it are recomputed, not believed."""
    try:
        data = json.loads(text)
        if data.get("format") != TRUST_FORMAT:
            raise ValueError
        trusted = []
        for item in data["keys"]:
            public = bytes.fromhex(item["public_key"])
            if len(public) != 32 or fingerprint_of(public) != item["fingerprint"]:
                raise ValueError
            until = item.get("valid_until")
            trusted.append(TrustedKey(
                str(item["unit"]), public, as_utc(datetime.fromisoformat(item["valid_from"])),
                as_utc(datetime.fromisoformat(until)) if until else None))
    except (ValueError, TypeError, KeyError, AttributeError):
        raise BBTError(_("This file is not a trust list written by `bbt key "
                         "export-trust`.")) from None
    return trusted


def _trust_problem(trust: list[TrustedKey], key: SigningKey, unit_code: str,
                   signed_at: datetime) -> str | None:
    listed = [t for t in trust if t.public_key == key.public_key and t.unit == unit_code]
    if not listed:
        return _("the signing key is not on the trust list")
    if not any(t.created_at <= signed_at and (t.revoked_at is None or signed_at < t.revoked_at)
               for t in listed):
        return _("the trust list says the key was not valid when the document was signed")
    return None
