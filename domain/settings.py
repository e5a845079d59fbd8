"""Texts that reports print (issuing body, place, signer) live in the database, not in code."""

from __future__ import annotations

from sqlmodel import Session, select

from domain import audit
from domain.auth import Actor, require
from domain.errors import BBTError
from domain.i18n import _
from domain.text import nfc
from models import Setting

DEFAULTS: dict[str, str] = {
    "org.parent": "HUYỆN ỦY BẢO LÂM",
    "org.name": "BAN BIÊN TẬP CÁC HỆ THỐNG PHẦN MỀM",
    "org.code": "BBT",
    "place": "Bảo Lâm",
    "signer.title": "PHÓ BÍ THƯ THƯỜNG TRỰC\nkiêm\nTRƯỞNG BAN BIÊN TẬP",
    "signer.name": "Nguyễn Thị Mỹ Linh",  # the full name, as the signature prints it
    "report.recipients": "Văn phòng Tỉnh ủy (b/c)\nThường trực Huyện ủy\n"
    "Thành viên BBT của Huyện ủy\nLưu BBT",
    "visits.opening_balance": "0",
    "keymap": "",
    # minutes an account stays locked after five wrong passwords; doubled at each repeat
    "lockout_minutes": "15",
    # The board's jobs (SPEC 7.4): articles expected of each unit a month; days a unit has to
    # answer a reminder letter; feed categories (folded) that name an article kind.
    "article_quota": "2",
    "reminder.due_days": "7",
    "feed.kinds": "tin=news\nbai=feature\nbai viet=feature\nkhau hieu=slogan\n"
    "van ban=document",
}
# Settings that are whole numbers, with their range.
NUMBERS: dict[str, tuple[int, int]] = {"lockout_minutes": (1, 1440)}


def get(session: Session, key: str) -> str:
    row = session.get(Setting, key)
    return row.value if row is not None else DEFAULTS.get(key, "")


def all_settings(session: Session) -> dict[str, str]:
    values = dict(DEFAULTS)
    values.update({s.key: s.value for s in session.exec(select(Setting))})
    return dict(sorted(values.items()))


def set_value(session: Session, actor: Actor, key: str, value: str) -> None:
    require(actor, "settings.write")
    if key not in DEFAULTS:
        raise BBTError(_("Setting '{key}' is unknown; use one of {choices}.").format(key=key, choices=', '.join(DEFAULTS)))
    if key in NUMBERS:
        low, high = NUMBERS[key]
        if not (value.strip().isdigit() and len(value.strip()) <= 9) or not low <= int(value) <= high:
            raise BBTError(_("Setting '{key}' is a whole number from {low} to {high}.").format(
                key=key, low=low, high=high))
        value = str(int(value))
    row = session.get(Setting, key) or Setting(key=key)
    row.value = nfc(value).replace("\\n", "\n")
    session.add(row)
    audit.record(session, actor, "settings.set", "setting", key, value=row.value)
