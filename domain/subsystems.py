"""The list of data-entry subsystems (phân hệ): a subsystem not on it is refused, so
"ubnd huyen" typed by hand becomes "UBND huyện" instead of a third subsystem."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, col, select

from domain import audit, limits
from domain.auth import Actor, require
from domain.errors import BBTError
from domain.i18n import _
from domain.text import fold, nfc
from models import Subsystem

# The reference report's subsystems: every database starts with them.
DEFAULTS = ("Khối Đảng", "UBND huyện")


def names(session: Session) -> list[str]:
    return list(session.exec(select(Subsystem.name).order_by(col(Subsystem.name))))


def add(session: Session, actor: Actor, name: str) -> Subsystem:
    require(actor, "dataentry.write")
    text = limits.text(name, "subsystem")
    if not text:
        raise BBTError(_("A subsystem needs a name of at most 80 characters."))
    same = [n for n in names(session) if fold(n) == fold(text)]
    if same:
        raise BBTError(_("The subsystem '{name}' is already on the list.").format(name=same[0]))
    row = Subsystem(name=text)
    session.add(row)
    session.flush()
    audit.record(session, actor, "subsystem.add", "subsystem", text)
    return row


def seed(session: Session) -> None:
    """The default list, written once (by `bbt init`); no audit entry of its own."""
    have = set(names(session))
    session.add_all(Subsystem(name=n) for n in DEFAULTS if n not in have)
    session.flush()


def checker(session: Session) -> Callable[[str], str]:
    """A check that turns a name into the listed spelling, or refuses it."""
    listed = {fold(n): n for n in names(session)}

    def check(name: str) -> str:
        found = listed.get(fold(name))
        if found is None:
            raise BBTError(_("The subsystem '{name}' is not on the list ({listed}); add it "
                             "with `bbt dataentry subsystem add`.").format(
                name=nfc(name), listed=", ".join(listed.values()) or "-"))
        return found

    return check
