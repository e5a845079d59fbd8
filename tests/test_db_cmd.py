from __future__ import annotations

from pathlib import Path

from tests.conftest import Bbt


def test_current_check_upgrade(bbt: Bbt) -> None:
    from domain.db import HEAD_REVISION

    assert bbt.ok("db", "current").stdout.strip() == HEAD_REVISION
    assert bbt.ok("db", "upgrade").exit_code == 0
    assert "OK" in bbt.ok("db", "check").stdout


def test_sqlite_backup_and_restore(tmp_path: Path) -> None:
    from tests.conftest import ADMIN_PASSWORD

    url = f"sqlite:///{tmp_path / 'live.db'}"
    live = Bbt(url)
    live.ok("init", "--password-stdin", input=ADMIN_PASSWORD + "\n")
    admin = live.as_("admin", ADMIN_PASSWORD)
    admin.ok("unit", "add", "KEEP", "Đơn vị giữ lại", "--kind", "other")
    backup = tmp_path / "copy.db"
    admin.ok("db", "backup", str(backup))
    assert admin("db", "backup", str(backup)).exit_code == 1  # never overwrites
    admin.ok("unit", "add", "LATER", "Đơn vị thêm sau", "--kind", "other")
    admin.ok("db", "restore", str(backup))
    codes = {u["code"] for u in admin.json("unit", "list")}
    assert "KEEP" in codes and "LATER" not in codes
    admin.ok("db", "check")
    admin.ok("audit", "verify")


def test_restore_refuses_garbage(bbt: Bbt, tmp_path: Path) -> None:
    if not bbt.url.startswith("sqlite"):
        return
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    r = bbt("db", "restore", str(junk))
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert bbt("db", "restore", str(tmp_path / "missing.db")).exit_code == 1


def test_backup_needs_admin(bbt: Bbt, tmp_path: Path) -> None:
    from tests.conftest import make_user

    viewer = make_user(bbt, "v", "BBT", "viewer")
    assert viewer("db", "backup", str(tmp_path / "b.db")).exit_code == 3


def test_check_lists_the_state_register_places_that_hold_two_numbers(bbt: Bbt) -> None:
    """Documents stored before a state register was one sequence for all types (NĐ 30/2020)
    may share a place: `db check` names them; the commands now refuse making one."""
    from sqlalchemy import text

    from domain.db import get_engine, transaction

    bbt.ok("unit", "add", "UBND", "Ủy ban nhân dân huyện", "--kind", "government")
    bbt.ok("unit", "add", "HU", "Huyện ủy", "--kind", "committee")
    for doc_type, number in (("QĐ", "45"), ("TB", "46"), ("QĐ", "45")):
        bbt("doc", "issue", "--type", doc_type, "--issuer", "UBND", "--title", "Văn bản",
            "--date", "2022-03-02", "--number", number)
    bbt.ok("doc", "issue", "--type", "QĐ", "--issuer", "HU", "--title", "Quyết định", "--date",
           "2022-03-02", "--number", "46")
    bbt.ok("doc", "issue", "--type", "TB", "--issuer", "HU", "--title", "Thông báo", "--date",
           "2022-03-02", "--number", "46")  # a Party body: a sequence per type
    assert "OK" in bbt.ok("db", "check").stdout
    with transaction(get_engine(bbt.url)) as session:  # as an older version could store it
        session.execute(text(
            "UPDATE document SET seq = 45, number = '45/TB-UBND' WHERE number = '46/TB-UBND'"))
    failed = bbt("db", "check")
    assert failed.exit_code == 1
    assert failed.stderr.strip() == (
        "Database check failed: places of state registers holding more than one number: "
        "1 (45/QĐ-UBND = 45/TB-UBND).")
