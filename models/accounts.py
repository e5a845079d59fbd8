import datetime as dt

from sqlmodel import Field, SQLModel

from models.base import utcnow

ROLES = ("admin", "operator", "editor", "clerk", "viewer")
ACCOUNT_STATUSES = ("active", "locked", "disabled")


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=80)
    full_name: str = Field(default="", max_length=255)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: str = Field(max_length=20)
    # Scoped administration (SPEC 7.5): this account sees and changes only the units under
    # this one (its subtree). None: unscoped, the whole database.
    scope_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    status: str = Field(default="active", max_length=20)
    # PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash): parameters travel with the hash.
    password_hash: str = Field(max_length=255)
    must_change_password: bool = True
    failed_logins: int = 0
    # A lockout after too many wrong passwords ends by itself at this time (an admin's lock
    # has none); `lockouts` counts lockouts since the last good login, each twice as long.
    locked_until: dt.datetime | None = None
    lockouts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_login_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)


class SigningKey(SQLModel, table=True):
    __tablename__ = "signing_key"
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    public_key: bytes
    # Raw Ed25519 private key sealed with AES-256-GCM under an Argon2id-derived key.
    wrapped_private_key: bytes
    kdf_salt: bytes
    nonce: bytes
    fingerprint: str = Field(max_length=64, unique=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    revoked_at: dt.datetime | None = None
