"""Document routing end to end on both engines: registers, seals, deliveries, tracking."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from tests.conftest import Bbt, make_user

PASSPHRASE = {"BBT_KEY_PASSPHRASE": "cum-tu-bi-mat-rat-dai"}


def test_party_and_state_numbering(demo: Bbt) -> None:
    assert demo.ok("doc", "issue", "--type", "BC", "--issuer", "BBT", "--title", "Báo cáo",
                   "--date", "2022-06-13").stdout.strip() == "117-BC/BBT"
    assert demo.ok("doc", "issue", "--type", "QĐ", "--issuer", "HU", "--title", "Quyết định",
                   "--date", "2022-06-14").stdout.strip() == "797-QĐ/HU"
    # another type of the same Party body has its own sequence
    assert demo.ok("doc", "issue", "--type", "KH", "--issuer", "HU", "--title", "Kế hoạch",
                   "--date", "2022-06-14").stdout.strip() == "01-KH/HU"
    # a state body numbers every type together, from 1 each year
    assert demo.ok("doc", "issue", "--type", "TB", "--issuer", "UBND", "--title", "Thông báo",
                   "--date", "2022-06-14").stdout.strip() == "157/TB-UBND"
    assert demo.ok("doc", "issue", "--type", "QĐ", "--issuer", "UBND", "--title", "Quyết định",
                   "--date", "2023-01-03").stdout.strip() == "1/QĐ-UBND"


def test_new_term_restarts_party_numbering(demo: Bbt) -> None:
    demo.ok("unit", "set-term", "HU", "--start", "2025-10-01")
    assert demo.ok("doc", "issue", "--type", "QĐ", "--issuer", "HU", "--title", "Nhiệm kỳ mới",
                   "--date", "2025-10-20").stdout.strip() == "01-QĐ/HU"
    # a late registration into the old term continues the old sequence
    assert demo.ok("doc", "issue", "--type", "QĐ", "--issuer", "HU", "--title", "Cuối nhiệm kỳ",
                   "--date", "2025-06-20").stdout.strip() == "797-QĐ/HU"


def test_explicit_numbers_and_duplicates(demo: Bbt) -> None:
    assert demo.ok("doc", "issue", "--type", "CT", "--issuer", "HU", "--title", "Chỉ thị cũ",
                   "--date", "2021-03-01", "--number", "5").stdout.strip() == "05-CT/HU"
    dup = demo("doc", "issue", "--type", "CT", "--issuer", "HU", "--title", "x",
               "--date", "2021-04-01", "--number", "5")
    assert dup.exit_code == 1 and "already registered" in dup.stderr
    assert demo.ok("doc", "issue", "--type", "CT", "--issuer", "HU", "--title", "Tiếp theo",
                   "--date", "2021-05-01").stdout.strip() == "06-CT/HU"
    for bad in (["--type", "XYZ"], ["--type", "BC", "--number", "0"]):
        r = demo("doc", "issue", "--issuer", "HU", "--title", "x", *bad)
        assert r.exit_code == 1 and "Traceback" not in r.output


def test_incoming_register_and_duplicates(demo: Bbt) -> None:
    first = demo.ok("doc", "receive", "--number", "45-KH/TU", "--from", "TU", "--date",
                    "2022-06-01", "--title", "Kế hoạch", "--to", "VPHU", "--received",
                    "2022-06-03").stdout.strip()
    assert first == "4"  # the demo registered three incoming documents in 2022
    again = demo("doc", "receive", "--number", "45 - KH/TU", "--from", "TU", "--date",
                 "2022-06-01", "--title", "Kế hoạch", "--to", "VPHU")
    assert again.exit_code == 1 and "already registered" in again.stderr
    wrong = demo("doc", "receive", "--number", "46-KH/TU", "--from", "VPTU", "--date",
                 "2022-06-01", "--title", "x")
    assert wrong.exit_code == 1
    shown = demo.json("doc", "show", "45-KH/TU")
    assert shown["direction"] == "incoming" and shown["incoming_number"] == 4
    assert shown["received_by"] == "VPHU"


def test_a_state_cong_van_is_received_and_found_as_written(demo: Bbt) -> None:
    """NĐ 30/2020: a state body's công văn has no type in its number, and the drafting
    office after the issuer (45/UBND-VP); it is registered, found and refused twice as
    written, never rewritten as 45/CV-UBND."""
    demo.ok("doc", "receive", "--number", "45/ubnd - vp", "--from", "UBND", "--date",
            "2022-06-01", "--title", "V/v triển khai phần mềm", "--to", "VPHU")
    shown = demo.json("doc", "show", "45/UBND-VP")
    assert (shown["number"], shown["type"], shown["issuer"]) == ("45/UBND-VP", "CV", "UBND")
    again = demo("doc", "receive", "--number", "45/UBND-VP", "--from", "UBND", "--date",
                 "2022-06-01", "--title", "V/v triển khai phần mềm", "--to", "VPHU")
    assert again.exit_code == 1 and "already registered" in again.stderr
    other = demo("doc", "receive", "--number", "45/UBND-TNMT", "--from", "VPHU", "--date",
                 "2022-06-01", "--title", "x", "--to", "VPHU")
    assert other.exit_code == 1 and "UBND" in other.stderr  # the number names its issuer
    assert demo("doc", "show", "45/CV-UBND").exit_code == 1
    for spelt in ("45/CV-UBND", "45/UBND-TNMT"):  # the same place in UBND's 2022 register
        twice = demo("doc", "receive", "--number", spelt, "--from", "UBND", "--date",
                     "2022-06-01", "--title", "V/v triển khai phần mềm", "--to", "VPHU")
        assert twice.exit_code == 1 and "already registered" in twice.stderr, spelt


def test_full_cycle_to_grassroots(demo: Bbt, tmp_path: Path) -> None:
    attachment = tmp_path / "kh.pdf"
    attachment.write_bytes(b"%PDF-1.4 ke hoach chuyen doi so")
    number = demo.ok("doc", "issue", "--type", "KH", "--issuer", "HU", "--title",
                     "Kế hoạch chuyển đổi số", "--date", "2022-06-10", "--file",
                     str(attachment), "--urgency", "urgent").stdout.strip()
    demo.ok("key", "create", "--unit", "HU", env=PASSPHRASE)
    demo.ok("doc", "sign", number, env=PASSPHRASE)
    assert "valid" in demo.ok("doc", "verify", number).stdout
    out = demo.ok("doc", "send", number, "--to-kind", "grassroots", "--purpose", "act",
                  "--due", "2022-06-30").stdout
    assert "68 units" in out
    clerk = make_user(demo, "vt.du-locan", "DU-LOCAN", "clerk")
    clerk.ok("doc", "ack", number, "--unit", "DU-LOCAN")
    clerk.ok("doc", "done", number, "--unit", "DU-LOCAN", "--note", "Đã triển khai")
    assert clerk("doc", "ack", number, "--unit", "DU-LOCBAO").exit_code == 3
    shown = demo.json("doc", "show", number)
    assert shown["signed"] is True and len(shown["deliveries"]) == 68
    statuses = {d["unit"]: d for d in shown["deliveries"]}
    assert statuses["DU-LOCAN"]["status"] == "done" and not statuses["DU-LOCAN"]["overdue"]
    assert statuses["DU-LOCBAO"]["overdue"] is True
    overdue = demo.json("doc", "list", "--overdue", "--year", "2022")
    assert number in {d["number"] for d in overdue}
    late = demo.json("doc", "late", "--kind", "grassroots")
    assert {r["unit"] for r in late} >= {"DU-LOCBAO"}
    # tampering with the attachment or metadata is detected
    from sqlalchemy import create_engine, text

    engine = create_engine(demo.url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE document SET title = title || '.' WHERE number = :n"),
                     {"n": number})
    engine.dispose()
    r = demo("doc", "verify", number)
    assert r.exit_code == 1 and "changed" in r.stderr


def test_signatures_survive_rotation_and_detect_revocation(demo: Bbt) -> None:
    demo.ok("key", "create", "--unit", "BBT", env=PASSPHRASE)
    first = demo.ok("doc", "issue", "--type", "TB", "--issuer", "BBT", "--title", "A").stdout.strip()
    demo.ok("doc", "sign", first, env=PASSPHRASE)
    wrong = demo("doc", "sign", first, env={"BBT_KEY_PASSPHRASE": "sai-mat-khau-roi"})
    assert wrong.exit_code == 1 and "passphrase" in wrong.stderr
    demo.ok("key", "create", "--unit", "BBT", env=PASSPHRASE)  # rotation
    assert demo.ok("doc", "verify", first).exit_code == 0
    keys = demo.json("key", "list")
    assert len(keys) == 2 and sum(k["revoked_at"] is None for k in keys) == 1
    assert "cum-tu" not in demo("key", "list", "--json").stdout
    demo.ok("key", "revoke", "--unit", "BBT")
    assert "revoked later" in demo.ok("doc", "verify", first).stdout
    assert demo("doc", "sign", first, env=PASSPHRASE).exit_code == 1  # no active key
    unsigned = demo.ok("doc", "issue", "--type", "TB", "--issuer", "BBT", "--title", "B").stdout
    assert demo("doc", "verify", unsigned.strip()).exit_code == 1


def test_forward_and_lost_update(demo: Bbt) -> None:
    clerk = make_user(demo, "vt.du-lotan", "DU-LOCTAN", "clerk")
    clerk.ok("doc", "forward", "14-NQ/TU", "--from", "DU-LOCTAN", "--to", "CB-37")
    shown = {d["unit"]: d for d in demo.json("doc", "show", "14-NQ/TU")["deliveries"]}
    assert "CB-37" in shown and shown["DU-LOCTAN"]["status"] in ("received", "done")
    again = clerk("doc", "forward", "14-NQ/TU", "--from", "DU-LOCTAN", "--to", "CB-37")
    assert again.exit_code == 1
    from domain import documents
    from domain.auth import Actor
    from domain.db import get_engine, transaction
    from domain.errors import Conflict

    actor = Actor("admin", "admin")
    with transaction(get_engine(demo.url)) as session:
        pending = [d for d in documents.show(session, actor, "14-NQ/TU")["deliveries"]
                   if d["status"] == "sent"][0]
    unit, version = pending["unit"], pending["version"]
    # two clerks looked at the same delivery; the first acknowledges it ...
    with transaction(get_engine(demo.url)) as session:
        documents.acknowledge(session, actor, "14-NQ/TU", unit, expected_version=version)
    # ... and the second, still holding the old version, is told instead of overwriting
    with pytest.raises(Conflict), transaction(get_engine(demo.url)) as session:
        documents.mark_done(session, actor, "14-NQ/TU", unit, "second", expected_version=version)


def test_clerk_sees_only_its_unit(demo: Bbt) -> None:
    clerk = make_user(demo, "vt.du-locbao", "DU-LOCBAO", "clerk")
    docs = clerk.json("doc", "list")
    assert docs and all(d["unit"] == "DU-LOCBAO" for r in docs for d in r["deliveries"])
    assert "750-QĐ/HU" not in {r["number"] for r in docs}
    assert clerk("doc", "show", "750-QĐ/HU").exit_code == 1
    assert clerk("doc", "issue", "--type", "CV", "--issuer", "HU", "--title", "x").exit_code == 3
    inbox = clerk.json("doc", "inbox")
    assert all(r["status"] in ("sent", "received") for r in inbox)


def test_search_list_filters_and_json_shape(demo: Bbt) -> None:
    found = demo.json("doc", "list", "--search", "quyet dinh")
    assert "750-QĐ/HU" not in {r["number"] for r in found}  # its title has no "quyết định"
    found = demo.json("doc", "list", "--search", "ban bien tap")
    assert {"750-QĐ/HU", "796-QĐ/HU"} <= {r["number"] for r in found}
    assert [r["number"] for r in demo.json("doc", "list", "--search", "750-qđ/hu")] == ["750-QĐ/HU"]
    assert demo.json("doc", "list", "--search", "100%_") == []
    incoming = demo.json("doc", "list", "--direction", "incoming", "--year", "2022")
    assert {r["number"] for r in incoming} == {"42-KH/TU", "14-NQ/TU", "12-NQ/TU"}
    ranged = demo.json("doc", "list", "--from", "01/02/2022", "--to", "2022-02-28")
    assert {r["number"] for r in ranged} == {"750-QĐ/HU", "796-QĐ/HU", "03-QĐ/HU"}
    row = demo.json("doc", "show", "03-QĐ/HU")
    assert {"number", "type", "issuer", "date", "title", "direction", "signed",
            "deliveries"} <= set(row)
    assert set(row["deliveries"][0]) >= {"unit", "purpose", "status", "due", "overdue"}
    assert demo("doc", "show", "nonsense").exit_code == 1


def _issue_many(url: str, count: int, queue) -> None:  # type: ignore[no-untyped-def]
    """One operator's process: alternately a Party (BBT) and a state (UBND) document."""
    from domain import documents
    from domain.auth import Actor
    from domain.db import get_engine, retrying, transaction

    engine = get_engine(url)
    actor = Actor("admin", "admin")
    got = []
    for i in range(2 * count):
        issuer, type_ = ("BBT", "TB") if i % 2 == 0 else ("UBND", "QĐ")

        def one(issuer: str = issuer, type_: str = type_) -> str:
            with transaction(engine) as session:
                return documents.issue(session, actor, type_, issuer, "Đồng thời",
                                       "2023-03-01").number
        got.append(retrying(one))
    queue.put(got)


@pytest.mark.slow
def test_numbering_is_gapless_under_concurrent_processes(bbt: Bbt) -> None:
    """8 operators issue 100 documents each under both schemes at once: 1..800, no gap."""
    bbt.ok("unit", "add", "UBND", "Ủy ban nhân dân huyện", "--kind", "government")
    workers_count, each = 8, 100
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_issue_many, args=(bbt.url, each, queue))
               for _ in range(workers_count)]
    for w in workers:
        w.start()
    numbers = [n for _ in workers for n in queue.get(timeout=300)]
    for w in workers:
        w.join(timeout=60)
    party = sorted(int(n.split("-")[0]) for n in numbers if n.endswith("/BBT"))
    state = sorted(int(n.split("/")[0]) for n in numbers if n.endswith("-UBND"))
    assert party == list(range(1, workers_count * each + 1))
    assert state == list(range(1, workers_count * each + 1))


def test_list_is_limited_to_the_newest_and_says_so(demo: Bbt) -> None:
    every = demo.json("doc", "list", "--limit", "0")
    two = demo("doc", "list", "--json", "--limit", "2")
    assert two.exit_code == 0 and "--limit 0" in two.stderr
    import json

    assert [r["number"] for r in json.loads(two.stdout)] == [r["number"] for r in every[:2]]
    assert "--limit" not in demo("doc", "list", "--json", "--limit", "100").stderr
