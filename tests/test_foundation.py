"""Init, units, accounts, trainings, settings, lockout and roles on both engines."""

from __future__ import annotations

import json

from tests.conftest import ADMIN_PASSWORD, Bbt, make_user


def test_init_is_idempotent(bbt: Bbt) -> None:
    again = Bbt(bbt.url).ok("init")
    assert "already" in again.stdout.lower()
    assert [a["username"] for a in bbt.json("account", "list")] == ["admin"]


def test_init_generates_one_time_password_that_must_be_changed(db_url: str) -> None:
    out = Bbt(db_url).ok("init", "--admin", "root").stdout
    one_time = out.rsplit(":", 1)[1].strip()
    root = Bbt(db_url).as_("root", one_time)
    refused = root("unit", "list")
    assert refused.exit_code == 3 and "bbt passwd" in refused.stderr
    root.ok("passwd", "--password-stdin", input="Mot-mat-khau-dai-hon\n")
    Bbt(db_url).as_("root", "Mot-mat-khau-dai-hon").ok("unit", "list")


def test_units_add_list_json_and_errors(bbt: Bbt) -> None:
    bbt.ok("unit", "add", "HU", "Huyện ủy Bảo Lâm", "--kind", "committee")
    bbt.ok("unit", "add", "du-locan", "Đảng bộ xã Lộc An", "--kind", "grassroots", "--parent", "HU")
    rows = bbt.json("unit", "list", "--kind", "grassroots")
    assert rows == [{"code": "DU-LOCAN", "name": "Đảng bộ xã Lộc An", "kind": "grassroots",
                     "parent": "HU", "active": True}]
    dup = bbt("unit", "add", "HU", "again", "--kind", "committee")
    assert dup.exit_code == 1 and "already exists" in dup.stderr
    bad = bbt("unit", "add", "X", "x", "--kind", "planet")
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    orphan = bbt("unit", "add", "Y", "y", "--kind", "other", "--parent", "NOPE")
    assert orphan.exit_code == 1 and "NOPE" in orphan.stderr


def test_unicode_is_stored_nfc(bbt: Bbt) -> None:
    decomposed = "Nguye\u0302\u0303n"  # "Nguyễn" as Windows-1258 spreadsheets deliver it
    bbt.ok("unit", "add", "NG", decomposed, "--kind", "other")
    assert bbt.json("unit", "list")[-1]["name"] in ("Nguyễn",) or any(
        u["name"] == "Nguyễn" for u in bbt.json("unit", "list"))


def test_accounts_and_no_password_material(bbt: Bbt) -> None:
    out = bbt.ok("account", "add", "vt.locan", "--unit", "BBT", "--role", "clerk",
                 "--name", "Văn thư").stdout
    one_time = out.rsplit(":", 1)[1].strip()
    listing = bbt("account", "list", "--json").stdout
    assert one_time not in listing and "argon2" not in listing and "hash" not in listing
    rows = json.loads(listing)
    assert {"username", "full_name", "unit", "role"} <= set(rows[0])
    assert bbt("account", "add", "VT.LOCAN", "--unit", "BBT", "--role", "clerk").exit_code == 1
    assert bbt("account", "add", "x", "--unit", "BBT", "--role", "king").exit_code == 1
    audit_text = bbt("audit", "list", "--json").stdout
    assert one_time not in audit_text and ADMIN_PASSWORD not in audit_text


def test_lockout_after_five_wrong_passwords_and_unlock(bbt: Bbt) -> None:
    user = make_user(bbt, "editor1", "BBT", "editor")
    wrong = bbt.as_("editor1", "not-the-password")
    for _ in range(5):
        assert wrong("unit", "list").exit_code == 3
    locked = user("unit", "list")
    assert locked.exit_code == 3 and "locked" in locked.stderr
    bbt.ok("account", "unlock", "editor1")
    user.ok("unit", "list")


def test_success_resets_failed_counter(bbt: Bbt) -> None:
    user = make_user(bbt, "op1", "BBT", "operator")
    wrong = bbt.as_("op1", "nope-nope-nope")
    for _ in range(4):
        wrong("unit", "list")
    user.ok("unit", "list")
    for _ in range(4):
        wrong("unit", "list")
    user.ok("unit", "list")


def test_reset_password_gives_new_one_time_password(bbt: Bbt) -> None:
    make_user(bbt, "clerk1", "BBT", "clerk", "Old-password-123")
    out = bbt.ok("account", "reset-password", "clerk1").stdout
    assert bbt.as_("clerk1", "Old-password-123")("unit", "list").exit_code == 3
    assert "bbt passwd" in bbt.as_("clerk1", out.rsplit(":", 1)[1].strip())("unit", "list").stderr


def test_common_and_short_passwords_refused(bbt: Bbt) -> None:
    for weak in ("123456", "password", "short"):
        r = bbt("account", "add", "w", "--unit", "BBT", "--role", "viewer", "--password-stdin",
                input=weak + "\n")
        assert r.exit_code == 1, weak
    long_ok = "x" * 70 + "Đà Lạt"
    bbt.ok("account", "add", "w", "--unit", "BBT", "--role", "viewer", "--password-stdin",
           input=long_ok + "\n")
    bbt.as_("w", long_ok).ok("unit", "list")


def test_roles_are_enforced_in_domain(bbt: Bbt) -> None:
    viewer = make_user(bbt, "leader", "BBT", "viewer")
    viewer.ok("unit", "list")
    assert viewer("unit", "add", "Z", "z", "--kind", "other").exit_code == 3
    assert viewer("account", "lock", "admin").exit_code == 3
    assert viewer("settings", "set", "place", "X").exit_code == 3
    editor = make_user(bbt, "ed", "BBT", "editor")
    assert editor("training", "add", "--date", "2022-05-20", "--topic", "t",
                  "--unit", "BBT").exit_code == 3
    assert Bbt(bbt.url)("unit", "list").exit_code == 3  # nobody logged in


def test_trainings(bbt: Bbt) -> None:
    bbt.ok("unit", "add", "A", "Chi bộ A", "--kind", "grassroots")
    bbt.ok("unit", "add", "B", "Chi bộ B", "--kind", "grassroots")
    bbt.ok("training", "add", "--date", "20/05/2022", "--topic", "Tập huấn IDOC",
           "--unit", "A", "--unit", "B")
    [row] = bbt.json("training", "list")
    assert row["date"] == "2022-05-20" and sorted(row["units"]) == ["A", "B"]
    assert bbt("training", "add", "--date", "31/02/2022", "--topic", "x",
               "--unit", "A").exit_code == 1


def test_settings(bbt: Bbt) -> None:
    bbt.ok("settings", "set", "place", "Lộc Thắng")
    assert bbt.json("settings", "list")["place"] == "Lộc Thắng"
    assert bbt("settings", "set", "nonsense", "x").exit_code == 1


def test_demo_dataset(demo: Bbt) -> None:
    units = demo.json("unit", "list")
    assert sum(u["kind"] == "grassroots" for u in units) == 68
    assert {"HU", "VPHU", "BBT", "VPUB", "TU", "VPTU", "DU-LOCTHANG", "DU-BLA"} <= {
        u["code"] for u in units}
    assert len([a for a in demo.json("account", "list") if a["username"] != "admin"]) == 70
    [training] = demo.json("training", "list")
    assert len(training["units"]) == 68
    demo.ok("audit", "verify")
