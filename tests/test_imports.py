"""`bbt import` and `bbt export` on both engines: every kind, every error class, abort, skip,
dry run, rejects file, idempotency, round trips, encodings, formats, hostile files, secrets."""

from __future__ import annotations

import io
import json
import os
import stat
import unicodedata
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD, Bbt, make_user

KINDS = ("units", "accounts", "trainings", "documents", "deliveries", "articles", "visits",
         "dataentry")
ARTICLE_HEADER = "title,kind,unit,author,photos,status,submitted,published,url\n"
TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Text as Excel writes it in Windows-1258: base letters with a separate tone mark."""
    out = []
    for ch in text:
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
            out.append((base + "".join(c for c in parts if c in TONE_MARKS)).encode("cp1258"))
    return b"".join(out)


def imported(bbt: Bbt, kind: str, path: Path, *extra: str, code: int = 0) -> dict:
    result = bbt("import", kind, str(path), "--json", *extra)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return json.loads(result.stdout)


def refused(bbt: Bbt, *args: str) -> str:
    """A refusal: exit 1, one sentence on stderr, no traceback."""
    result = bbt(*args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def article_count(bbt: Bbt) -> int:
    return len(bbt.json("article", "list"))


@pytest.fixture(scope="module")
def demo_exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Every kind of the demo dataset exported to CSV once (SQLite), to import elsewhere."""
    folder = tmp_path_factory.mktemp("demo-export")
    runner = Bbt(f"sqlite:///{folder / 'demo.db'}")
    runner.ok("init", "--demo", "--password-stdin", input=ADMIN_PASSWORD + "\n")
    admin = runner.as_("admin", ADMIN_PASSWORD)
    exports = {}
    for kind in KINDS:
        target = folder / f"{kind}.csv"
        admin.ok("export", kind, "-o", str(target))
        exports[kind] = target.read_bytes()
    from domain.db import dispose_all

    dispose_all()
    return exports


# ------------------------------------------------------------------ round trips


def test_fresh_database_round_trip_secrets_and_numbering(bbt: Bbt, demo_exports: dict,
                                                          tmp_path: Path) -> None:
    """The demo exported, imported into a new database and exported again is the same,
    byte for byte; a second import changes nothing; numbering continues after it."""
    credentials = tmp_path / "otp.csv"
    counts = {}
    # Six of the 71 accounts: each new one costs an Argon2id hash (19 MiB), and a few prove
    # as much as all of them. The export is sorted by username, so its head is a whole export.
    exports = {**demo_exports, "accounts": b"".join(
        demo_exports["accounts"].splitlines(keepends=True)[:7])}
    for kind in KINDS:
        source = tmp_path / f"{kind}.csv"
        source.write_bytes(exports[kind])
        result = bbt("import", kind, str(source), "--json", "--credentials", str(credentials))
        assert result.exit_code == 0, result.output
        counts[kind] = json.loads(result.stdout)
        assert counts[kind]["rejected"] == [], (kind, counts[kind])
        again = tmp_path / f"again-{kind}.csv"
        bbt.ok("export", kind, "-o", str(again))
        assert again.read_bytes() == exports[kind], kind
    assert counts["units"]["inserted"] == 79 and counts["units"]["updated"] == 1  # BBT existed
    assert counts["accounts"] == {"kind": "accounts", "inserted": 5, "updated": 0,
                                  "unchanged": 1, "rejected": []}
    assert counts["articles"]["inserted"] == 286

    # one-time passwords: only in the credentials file, mode 600, and they work
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    lines = credentials.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "username,full_name,unit,one_time_password" and len(lines) == 6
    username, secret = lines[1].split(",")[0], lines[1].split(",")[-1]
    audit = bbt.ok("audit", "list", "--json").stdout
    assert secret not in audit
    login = bbt.as_(username, secret)("unit", "list")
    assert login.exit_code == 3 and "must be changed" in login.stderr

    # one audit entry per import, naming the file's SHA-256 and the counts
    import hashlib

    entries = [e for e in bbt.json("audit", "list") if e["action"] == "import"]
    assert len(entries) == len(KINDS)
    articles_entry = next(e for e in entries if e["entity"] == "articles")
    detail = json.loads(articles_entry["detail"])
    assert detail["sha256"] == hashlib.sha256(demo_exports["articles"]).hexdigest()
    assert detail["inserted"] == 286 and detail["rejected"] == 0

    # idempotent: everything again is unchanged, and writes no audit entry
    for kind in KINDS:
        again = in_process_round_trip(bbt.url, kind, "json", tmp_path)
        assert again["inserted"] == again["updated"] == 0 and again["unchanged"] > 0, again
    assert imported(bbt, "articles", tmp_path / "articles.csv")["unchanged"] == 286
    assert len([e for e in bbt.json("audit", "list") if e["action"] == "import"]) == len(KINDS)
    bbt.ok("audit", "verify")

    # the register counters continue after the imported numbers, without a gap
    assert bbt.ok("doc", "issue", "--type", "QĐ", "--issuer", "HU", "--title", "Tiếp",
                  "--date", "2022-06-20").stdout.strip() == "797-QĐ/HU"
    assert bbt.ok("doc", "issue", "--type", "QĐ", "--issuer", "UBND", "--title", "Tiếp",
                  "--date", "2022-06-20").stdout.strip() == "157/QĐ-UBND"
    assert bbt.ok("doc", "receive", "--number", "60-KH/TU", "--from", "TU", "--date",
                  "2022-06-01", "--title", "Kế hoạch", "--to", "VPHU", "--received",
                  "2022-06-02").stdout.strip() == "4"


def in_process_round_trip(url: str, kind: str, fmt: str, folder: Path) -> dict:
    """Export and import again through the domain API (no login per call: faster)."""
    from domain import imports
    from domain.auth import SYSTEM
    from domain.db import get_engine, transaction

    engine = get_engine(url)
    with transaction(engine) as session:
        rows = list(imports.export(session, SYSTEM, kind))
    path = folder / f"{kind}.{fmt}"
    with path.open("wb") as target:
        imports.write_export(kind, rows, fmt, target)
    with transaction(engine) as session:
        return imports.run_import(session, SYSTEM, kind, path).as_json()


def test_round_trip_in_place_every_kind_and_format(demo: Bbt, tmp_path: Path) -> None:
    for kind in KINDS:
        for fmt in ("csv", "xlsx", "json"):
            if fmt == "csv":  # the command itself, once per kind
                path = tmp_path / f"{kind}.{fmt}"
                demo.ok("export", kind, "-o", str(path))
                result = imported(demo, kind, path)
            else:
                result = in_process_round_trip(demo.url, kind, fmt, tmp_path)
            assert result["inserted"] == result["updated"] == 0, (kind, fmt, result)
            assert result["unchanged"] > 0 and result["rejected"] == [], (kind, fmt)
    # export to stdout is CSV without a BOM, the same rows as the file
    stdout = demo.ok("export", "visits").stdout
    assert stdout.startswith("Month,Visitors") and "2022-06,1000" in stdout
    assert json.loads((tmp_path / "visits.json").read_text())[0] == {"month": "2021-01",
                                                                     "visitors": 550}
    # accounts exports never carry password material
    for fmt in ("csv", "json"):
        text = (tmp_path / f"accounts.{fmt}").read_text(encoding="utf-8-sig")
        assert "argon2" not in text and "password" not in text


# ------------------------------------------------------------------ errors, abort, skip


BAD_ARTICLES = (
    ARTICLE_HEADER
    + "Tin tốt số 1,news,BBT,Ka Thảo,2,published,2022-01-03,05/01/2022,https://x.vn/1\n"
    + "Tin sai đơn vị,news,KHONGCO,,0,submitted,2022-01-03,,\n"           # 2 unknown unit
    + "Tin sai loại,poem,BBT,,0,submitted,2022-01-03,,\n"                 # 3 enumeration
    + "Tin sai ngày,news,BBT,,0,submitted,31/02/2022,,\n"                 # 4 date
    + "Tin sai ảnh,news,BBT,,-3,submitted,2022-01-03,,\n"                 # 5 negative
    + "Tin thiếu ngày đăng,news,BBT,,1,published,2022-01-03,,\n"          # 6 consistency
    + "Tin sai link,news,BBT,,1,published,2022-01-03,2022-01-04,ftp://x\n"  # 7 url
    + "Tin tốt số 1,news,BBT,Ka Thảo,2,published,2022-01-03,2022-01-05,https://x.vn/1\n"  # 8
    + ",news,BBT,,0,submitted,2022-01-03,,\n"                              # 9 required
    + "Tin tốt số 2,feature,btghu,  Trần Văn Đức ,abc,editing,2022-01-04,,\n"  # 10 not a number
    + "Tin tốt số 3,Tin,BTGHU,,3,editing,2022-01-04,,\n"
)


def test_abort_skip_dry_run_and_rejects(demo: Bbt, tmp_path: Path) -> None:
    before = article_count(demo)
    source = tmp_path / "bad.csv"
    source.write_text(BAD_ARTICLES, encoding="utf-8")

    # abort (the default): nothing written, exit 1, every bad row listed with its column
    result = imported(demo, "articles", source, code=1)
    assert (result["inserted"], result["would_insert"]) == (0, 2)  # says what was written
    rejected = {r["row"]: r["errors"] for r in result["rejected"]}
    assert sorted(rejected) == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert rejected[2] == ["unit: There is no unit with code 'KHONGCO'."]
    assert rejected[3][0].startswith("kind: Article kind 'poem' is unknown")
    assert rejected[4][0].startswith("submitted: ")
    assert rejected[5] == ["photos: The number of photos cannot be negative."]
    assert rejected[6][0].startswith("published: ")
    assert rejected[7][0].startswith("url: ")
    assert rejected[8] == ["title: row 1 has the same title, unit and submitted date."]
    assert rejected[9] == ["title: A value is required."]
    assert rejected[10] == ["photos: 'abc' is not a whole number."]
    assert article_count(demo) == before
    text = demo("import", "articles", str(source))
    assert text.exit_code == 1 and "row 2: unit: There is no unit" in text.stdout
    assert "Nothing was written" in text.stderr

    # dry run: the same report, nothing written even where the rows are good
    dry = imported(demo, "articles", source, "--dry-run", "--on-error", "skip")
    assert dry["would_insert"] == 2 and len(dry["rejected"]) == 9
    assert dry["inserted"] == dry["updated"] == dry["unchanged"] == 0  # nothing was written
    assert article_count(demo) == before

    # skip: the good rows are written, the bad ones go to the rejects file, same format
    rejects = tmp_path / "rejects.csv"
    skip = imported(demo, "articles", source, "--on-error", "skip", "--rejects", str(rejects))
    assert skip["inserted"] == 2 and [r["row"] for r in skip["rejected"]] == [
        2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert article_count(demo) == before + 2
    listed = {a["title"]: a for a in demo.json("article", "list")}
    assert listed["Tin tốt số 1"]["published"] == "2022-01-05"
    assert listed["Tin tốt số 3"]["kind"] == "news"  # "Tin" in Vietnamese
    lines = rejects.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == ARTICLE_HEADER.strip() + ",import_errors" and len(lines) == 10
    assert lines[1].startswith("Tin sai đơn vị,news,KHONGCO") and "There is no unit" in lines[1]

    # fix the rejects file and import it: its error column is ignored
    fixed = rejects.read_text(encoding="utf-8-sig").replace("KHONGCO", "BBT")
    rejects.write_text(fixed, encoding="utf-8")
    again = demo("import", "articles", str(rejects), "--on-error", "skip", "--json")
    assert json.loads(again.stdout)["inserted"] == 1
    assert "Columns ignored: import_errors" in again.stderr

    # idempotent, and a changed row is an update recorded as a workflow step
    source.write_text(ARTICLE_HEADER + "Tin tốt số 3,news,BTGHU,,3,approved,2022-01-04,,\n"
                      "Tin tốt số 1,news,bbt,Ka Thảo,2,published,3/1/2022,2022-01-05,"
                      "https://x.vn/1\n", encoding="utf-8")
    changed = imported(demo, "articles", source)
    assert (changed["inserted"], changed["updated"], changed["unchanged"]) == (0, 1, 1)
    moved = next(a for a in demo.json("article", "list") if a["title"] == "Tin tốt số 3")
    history = demo.json("article", "show", str(moved["id"]))["history"]
    assert [(h["from"], h["to"]) for h in history] == [("editing", "approved")]
    assert imported(demo, "articles", source)["unchanged"] == 2


def test_reference_and_key_errors_of_every_kind(demo: Bbt, tmp_path: Path) -> None:
    def check(kind: str, body: str) -> dict[int, list[str]]:
        path = tmp_path / f"{kind}.csv"
        path.write_text(body, encoding="utf-8")
        return {r["row"]: r["errors"] for r in imported(demo, kind, path, code=1)["rejected"]}

    units = check("units", "code,name,kind,parent\nA1,Đơn vị A,board,B1\nB1,Đơn vị B,board,A1\n"
                  "C1,Đơn vị C,weird,\nD1,Đơn vị D,office,ZZZ\nE 1,Đơn vị E,office,\n"
                  "F1,Đơn vị F,office,F1\n")
    assert "loops back" in units[1][0] and "loops back" in units[2][0]
    assert units[3][0].startswith("kind: Unit kind 'weird' is unknown")
    assert units[4] == ["parent: There is no unit with code 'ZZZ'."]
    assert units[5] == ["code: A unit code is one word without spaces."]
    assert units[6] == ["parent: A unit cannot be its own parent."]

    accounts = check("accounts", "username,full_name,unit,role\nnew.one,Một,BBT,editor\n"
                     "NEW.ONE,Hai,BBT,editor\nthree,Ba,NOPE,editor\nfour,Bốn,BBT,boss\n"
                     "admin,Quản trị,BBT,viewer\n")
    assert accounts[2] == ["username: The username 'new.one' is already in row 1."]
    assert accounts[3] == ["unit: There is no unit with code 'NOPE'."]
    assert accounts[4][0].startswith("role: Role 'boss' is unknown")
    assert accounts[5] == ["role: You cannot change your own role."]

    docs = check("documents", "number,type,issuer,date,title,direction,urgency\n"
                 "117-BC/BBT,BC,BBT,2022-06-13,Báo cáo,outgoing,normal\n"
                 "118-BC/BBT,QĐ,BBT,2022-06-13,Sai loại,outgoing,normal\n"
                 "119-BC/BBT,BC,HU,2022-06-13,Sai cơ quan,outgoing,normal\n"
                 "abc,BC,BBT,2022-06-13,Sai số,outgoing,normal\n"
                 "120-BC/XYZ,BC,,2022-06-13,Không có đơn vị,outgoing,normal\n"
                 "121-BC/BBT,BC,BBT,2022-06-13,Sai chiều,sideways,normal\n"
                 "750-QĐ/HU,QĐ,HU,2022-02-08,Đổi chiều,incoming,normal\n"
                 "117-BC/BBT,BC,BBT,2022-06-14,Trùng,outgoing,khẩn\n")
    assert docs[2] == ["type: The type QĐ does not match the number 118-BC/BBT."]
    assert docs[3][0].startswith("issuer: The number 119-BC/BBT names issuer BBT, not HU")
    assert docs[4][0].startswith("number: 'abc' is not a document number")
    assert docs[5] == ["number: There is no unit with code 'XYZ'."]
    assert docs[6] == ["direction: Direction is outgoing or incoming."]
    assert "direction cannot change" in docs[7][0]
    assert docs[8] == ["number: row 1 has the same number in the same register."]

    deliveries = check("deliveries", "number,unit,purpose,due,status\n"
                       "999-QĐ/HU,BBT,act,,sent\n750-QĐ/HU,HU,act,,sent\n"
                       "750-QĐ/HU,VPUB,act,2022-01-01,sent\n750-QĐ/HU,VPUB,act,,lost\n"
                       "750 - qđ/hu,BTCHU,để biết,,received\n750-QĐ/HU,BTCHU,act,,done\n")
    assert deliveries[1] == ["number: There is no document 999-QĐ/HU."]
    assert "own issuer" in deliveries[2][0]
    assert deliveries[3] == ["due: The due date is before the document's date."]
    assert deliveries[4][0].startswith("status: Delivery status 'lost' is unknown")
    assert deliveries[6] == ["unit: row 5 already sends 750-QĐ/HU to BTCHU."]
    assert 5 not in deliveries

    trainings = check("trainings", "date,topic,unit\n2022-07-01,Tập huấn mới,BBT;HU\n"
                      "2022-07-01,Tập huấn mới,HU\n2022-07-01,Tập huấn mới,NOPE\n,Không ngày,BBT\n")
    assert "already lists HU" in trainings[2][0]
    assert trainings[3] == ["unit: There is no unit with code 'NOPE'."]
    assert trainings[4] == ["date: A value is required."]

    visits = check("visits", "month,visitors\n2022-07,1200\n13/2022,5\n2022-08,-1\n2022-09,x\n")
    assert visits[2][0].startswith("month: Month '2022-13' must be written YYYY-MM")
    assert visits[3] == ["visitors: Must be at least 0."]
    assert visits[4] == ["visitors: 'x' is not a whole number."]

    data = check("dataentry", "unit,subsystem,period,status,date\n"
                 "VPUB,UBND huyện,2021,entered,2022-01-10\nVPUB,UBND huyện,21,entered,\n"
                 "VPUB,UBND huyện,2022,missing,2022-01-10\nVPUB,UBND huyện,2015,synced,2021-01-01\n"
                 "VPUB,UBND huyện,2016,done,\nVPUB,UBND huyện,2017,entered,2099-01-01\n")
    assert data[2][0].startswith("period: Period '21' must be a year")
    assert data[3] == ["date: A missing period has no date; leave out the date."]
    assert "before it was entered" in data[4][0]
    assert data[5][0].startswith("status: Data entry status 'done' is unknown")
    assert data[6] == ["date: The date 2099-01-01 is in the future."]
    # nothing of all this was written
    assert all(u["code"] not in ("A1", "F1") for u in demo.json("unit", "list"))


def test_good_rows_of_every_kind_update_and_insert(demo: Bbt, tmp_path: Path) -> None:
    files = {
        "units": "Mã đơn vị,Tên đơn vị,Loại đơn vị,Đơn vị cấp trên\n"
                 "CB-99,Chi bộ Trường Mầm non,grassroots,HU\nCB-98,Chi bộ con,grassroots,CB-99\n"
                 "BBT,Ban Biên tập (mới),board,HU\n",
        "trainings": "Ngày,Chủ đề,Đơn vị\n01/07/2022,Tập huấn mới,\"BBT, HU\"\n"
                     "01/07/2022,Tập huấn mới,CB-99\n",
        "documents": "Số ký hiệu,Ngày,Trích yếu,Chiều,Độ khẩn,Đơn vị nhận,Ngày đến,Số đến\n"
                     "07/QĐ-UBND,2022-06-01,Quyết định nhập,đi,khẩn,,,\n"
                     "900-QĐ/HU,2022-06-02,Nhập lịch sử,Đi,Hỏa tốc,,,\n"
                     "88-CV/TU,2022-06-03,Công văn đến,đến,,VPHU,05/06/2022,\n"
                     "89-CV/TU,2022-06-03,Công văn đến có số,đến,,VPHU,05/06/2022,40\n",
        "deliveries": "Số ký hiệu,Đơn vị,Mục đích,Hạn xử lý,Trạng thái\n"
                      "900-QĐ/HU,CB-99,để thực hiện,30/06/2022,sent\n"
                      "03-QĐ/HU,DU-LOCAN,act,2022-03-31,returned\n",
        "visits": "Tháng,Lượt truy cập\n2022-06,1001\n07/2022,1500\n",
        "dataentry": "Đơn vị,Phân hệ,Kỳ,Trạng thái,Ngày\nVPUB,UBND huyện,2021,entered,2022-01-10\n"
                     "VPUB,UBND huyện,2022-q2,missing,\n",
    }
    results = {}
    for kind, body in files.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(body, encoding="utf-8")
        results[kind] = imported(demo, kind, path)
        assert results[kind]["rejected"] == [], (kind, results[kind])
    assert (results["units"]["inserted"], results["units"]["updated"]) == (2, 1)
    units = {u["code"]: u for u in demo.json("unit", "list")}
    assert units["CB-98"]["parent"] == "CB-99" and units["BBT"]["name"] == "Ban Biên tập (mới)"
    assert results["trainings"]["inserted"] == 2
    training = next(t for t in demo.json("training", "list") if t["topic"] == "Tập huấn mới")
    assert training["date"] == "2022-07-01" and sorted(training["units"]) == ["BBT", "CB-99", "HU"]
    assert results["documents"]["inserted"] == 4
    assert demo.json("doc", "show", "900-QĐ/HU")["urgency"] == "flash"
    assert demo.json("doc", "show", "88-CV/TU")["incoming_number"] == 41  # after the 40 claimed
    assert demo.ok("doc", "issue", "--type", "QĐ", "--issuer", "HU", "--title", "Tiếp",
                   "--date", "2022-06-20").stdout.strip() == "901-QĐ/HU"
    assert demo.ok("doc", "issue", "--type", "TB", "--issuer", "UBND", "--title", "Tiếp",
                   "--date", "2022-06-20").stdout.strip() == "157/TB-UBND"
    # a file without the register columns keeps an incoming document's register entry
    retitle = tmp_path / "retitle.csv"
    retitle.write_text("number,date,title,direction\n42-KH/TU,25/04/2022,Kế hoạch (sửa),đến\n",
                       encoding="utf-8")
    assert imported(demo, "documents", retitle)["updated"] == 1
    shown = demo.json("doc", "show", "42-KH/TU")
    assert (shown["title"], shown["incoming_number"], shown["received_by"],
            shown["received_on"]) == ("Kế hoạch (sửa)", 1, "VPHU", "2022-04-27")
    assert (results["deliveries"]["inserted"], results["deliveries"]["updated"]) == (1, 1)
    sent = demo.json("doc", "show", "03-QĐ/HU")["deliveries"]
    assert next(d for d in sent if d["unit"] == "DU-LOCAN")["status"] == "returned"
    assert (results["visits"]["inserted"], results["visits"]["updated"]) == (1, 1)
    assert (results["dataentry"]["inserted"], results["dataentry"]["updated"]) == (1, 1)


# ------------------------------------------------------------------ formats and encodings


def test_encodings_headers_and_formats(bbt: Bbt, tmp_path: Path) -> None:
    name = "Đảng bộ xã Lộc Thắng"
    files = {
        "bom.csv": ("\ufeffMÃ ĐƠN VỊ,  tên   đơn vị ,loai don vi\r\nDU-A," + name
                    + ",grassroots\r\n").encode(),
        "excel1258.csv": to_cp1258("Mã đơn vị,Tên đơn vị,Loại\r\nDU-B," + name
                                   + ",grassroots\r\n"),
        "unicode.txt": ("Code\tName\tKind\r\nDU-C\t" + name + "\tgrassroots\r\n").encode("utf-16"),
        "semicolon.csv": ("code;name;kind\nDU-D;" + name + " (chấm phẩy);grassroots\n").encode(),
        "list.json": json.dumps([{"Mã đơn vị": "DU-E", "Tên": name, "Loại": "grassroots",
                                  "id": 7}], ensure_ascii=False).encode("utf-8"),
    }
    for file, data in files.items():
        path = tmp_path / file
        path.write_bytes(data)
        assert imported(bbt, "units", path)["inserted"] == 1, file
    assert b"\xcc" in files["excel1258.csv"] or b"\xd2" in files["excel1258.csv"]
    units = {u["code"]: u["name"] for u in bbt.json("unit", "list")}
    assert all(units[c] == name for c in ("DU-A", "DU-B", "DU-C", "DU-E"))
    assert all(unicodedata.is_normalized("NFC", v) for v in units.values())

    # XLSX: the first sheet or --sheet, date and number cells, Vietnamese headers
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["nothing here"])
    sheet = book.create_sheet("Tin bài")
    sheet.append(["Tiêu đề", "Thể loại", "Đơn vị", "Tác giả", "Số ảnh", "Trạng thái",
                  "Ngày gửi", "Ngày đăng", "Đường dẫn"])
    sheet.append(["Tin từ Excel", "news", "DU-A", "Ka Thảo", 4, "published",
                  datetime(2022, 3, 1), datetime(2022, 3, 2), "https://x.vn/a"])
    sheet.append(["Tin từ Excel 2", "bài", "DU-B", None, 2.0, "submitted", "02/03/2022",
                  None, None])
    workbook = tmp_path / "articles.xlsx"
    book.save(workbook)
    message = refused(bbt, "import", "articles", str(workbook))
    assert "no column 'title'" in message
    assert imported(bbt, "articles", workbook, "--sheet", "Tin bài")["inserted"] == 2
    rows = {a["title"]: a for a in bbt.json("article", "list")}
    assert rows["Tin từ Excel"]["photos"] == 4 and rows["Tin từ Excel"]["submitted"] == "2022-03-01"
    assert rows["Tin từ Excel 2"]["kind"] == "feature"
    assert "no sheet 'Khác'" in refused(bbt, "import", "articles", str(workbook), "--sheet",
                                        "Khác")
    # a bad row of a workbook goes to a rejects workbook, as it was read
    sheet.append(["Tin lỗi", "news", "NOPE", None, 1, "submitted", datetime(2022, 3, 5), None,
                  "=1+1"])
    sheet.cell(row=4, column=9).data_type = "s"  # text that looks like a formula
    book.save(workbook)
    rejects = tmp_path / "rejects.xlsx"
    skipped = imported(bbt, "articles", workbook, "--sheet", "Tin bài", "--on-error", "skip",
                       "--rejects", str(rejects))
    assert skipped["unchanged"] == 2 and skipped["rejected"][0]["row"] == 3
    from openpyxl import load_workbook

    back = list(load_workbook(rejects).active.iter_rows(values_only=True))
    assert back[0][-1] == "import_errors" and back[1][:3] == ("Tin lỗi", "news", "NOPE")
    assert back[1][8] == "=1+1" and "There is no unit" in back[1][-1]  # text, not a formula


def test_formula_injection_is_neutralised_and_round_trips(bbt: Bbt, tmp_path: Path) -> None:
    names = ["=HYPERLINK(\"http://evil\",\"x\")", "+84 263", "-", "@SUM(A1)", "'=quoted",
             "'plain", "Bình thường"]
    source = tmp_path / "units.json"
    source.write_text(json.dumps([{"code": f"U{i}", "name": n, "kind": "other"}
                                  for i, n in enumerate(names)]), encoding="utf-8")
    assert imported(bbt, "units", source)["inserted"] == len(names)
    csv_path, xlsx_path = tmp_path / "units.csv", tmp_path / "units.xlsx"
    bbt.ok("export", "units", "-o", str(csv_path))
    bbt.ok("export", "units", "-o", str(xlsx_path))
    text = csv_path.read_text(encoding="utf-8-sig")
    for dangerous in ("'=HYPERLINK", "'+84 263", ",'-,", "'@SUM", "''=quoted"):
        assert dangerous in text, dangerous
    assert ",''plain," in text and ",Bình thường," in text  # an apostrophe of its own
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx_path).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type == "s" for c in cells)  # no formula anywhere
    assert any(c.value == "'=HYPERLINK(\"http://evil\",\"x\")" for c in cells)
    for path in (csv_path, xlsx_path):
        assert imported(bbt, "units", path)["unchanged"] == len(names) + 1, path
    stored = {u["name"] for u in bbt.json("unit", "list")}
    assert set(names) <= stored
    # numbers are not text: a visitor count is written as the number it is
    bbt.ok("visits", "set", "2022-01", "900")
    visits = tmp_path / "visits.xlsx"
    bbt.ok("export", "visits", "-o", str(visits))
    assert [c.value for c in list(load_workbook(visits).active.iter_rows())[1]] == ["2022-01", 900]


# ------------------------------------------------------------------ hostile files


def test_hostile_and_broken_files_are_refused_in_one_sentence(
        bbt: Bbt, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def write(name: str, data: bytes) -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("photo.jpg", b"\xff\xd8 not really")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (24 * 1024 * 1024))
    real = io.BytesIO()
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["code", "name", "kind"])
    book.save(real)
    cases = {
        write("nul.csv", b"code,name,kind\nA,\x00\x00,board\n"): "NUL bytes",
        write("garbage.csv", b"code,name,kind\n\x81\x8d\x8e,\x90,board\n"): "UTF-8, UTF-16",
        write("truncated.xlsx", real.getvalue()[:300]): "not an Excel workbook",
        write("renamed.xlsx", zipped.getvalue()): "not an Excel workbook",
        write("bomb.xlsx", bomb.getvalue()): "zip bomb",
        write("huge.csv", b"code,name,kind\nA,\"" + b"x" * 200_000 + b"\",board\n"): "Line",
        write("object.json", b'{"code": "A"}'): "JSON list of objects",
        write("broken.json", b'[{"code": "A",'): "not valid JSON",
        write("deep.json", b"[" * 100_000 + b"]" * 100_000): "not valid JSON",
        write("old.xls", b"\xd0\xcf\x11\xe0"): "Excel 97-2003",
        write("notes.pdf", b"%PDF"): "not a .csv, .xlsx, .ods or .json",
        write("empty.csv", b""): "empty",
        write("control.csv", b"code,name,kind\nA,\x07bell,board\n"): "control characters",
        str(tmp_path / "missing.csv"): "does not exist",
    }
    before = bbt.json("unit", "list")
    for path, expected in cases.items():
        message = refused(bbt, "import", "units", path)
        assert expected in message, (path, message)
    assert bbt.json("unit", "list") == before

    # a cell above the cap, or nested JSON, is one row's error, not the file's
    long_cell = write("long.csv", ("code,name,kind\nA," + "y" * 10_001 + ",board\nB,b,board\n")
                      .encode())
    nested = write("nested.json", b'[{"code": "A", "name": ["x"], "kind": "board"}]')
    assert imported(bbt, "units", long_cell, code=1)["rejected"] == [
        {"row": 1, "errors": ["name: At most 10,000 characters."]}]
    assert imported(bbt, "units", nested, code=1)["rejected"] == [
        {"row": 1, "errors": ["name: Write plain text or a number here."]}]
    # a sheet without a required column, or with a column twice, is refused before any row
    assert "no column 'kind'" in refused(bbt, "import", "units",
                                         write("nokind.csv", b"code,name\nA,b\n"))
    assert "both mean code" in refused(bbt, "import", "units",
                                       write("twice.csv", b"code,Ma,name,kind\nA,A,b,board\n"))
    assert "Kind 'people' is unknown" in refused(bbt, "import", "people", long_cell)
    assert "--on-error is abort or skip" in refused(bbt, "import", "units", long_cell,
                                                    "--on-error", "maybe")
    from domain import imports_io

    monkeypatch.setattr(imports_io, "MAX_FILE_BYTES", 100)
    assert "larger than" in refused(bbt, "import", "units", long_cell)
    monkeypatch.setattr(imports_io, "MAX_ROWS", 1)
    assert "more than 1 rows" in refused(bbt, "import", "units", write("two.csv", b"code,name,"
                                                                        b"kind\nA,a,x\nB,b,x\n"))


# ------------------------------------------------------------------ accounts and permissions


def test_accounts_need_a_new_private_credentials_file(bbt: Bbt, tmp_path: Path) -> None:
    source = tmp_path / "accounts.csv"
    source.write_text("Tên đăng nhập,Họ và tên,Đơn vị,Vai trò\nVT.MOT,Văn thư Một,BBT,clerk\n"
                      "vt.hai,Văn thư Hai,bbt,Clerk\n", encoding="utf-8")
    message = refused(bbt, "import", "accounts", str(source))
    assert "--credentials" in message
    assert [a["username"] for a in bbt.json("account", "list")] == ["admin"]
    taken = tmp_path / "taken.csv"
    taken.write_text("old secrets\n")
    assert "already exists" in refused(bbt, "import", "accounts", str(source), "--credentials",
                                       str(taken))
    assert taken.read_text() == "old secrets\n"
    assert [a["username"] for a in bbt.json("account", "list")] == ["admin"]

    credentials = tmp_path / "new.csv"
    result = bbt("import", "accounts", str(source), "--credentials", str(credentials))
    assert result.exit_code == 0, result.output
    secrets = [line.rsplit(",", 1)[1] for line in credentials.read_text().splitlines()[1:]]
    assert len(secrets) == 2 and all(len(s) >= 12 for s in secrets)
    assert not any(s in result.output for s in secrets)
    assert stat.S_IMODE(os.stat(credentials).st_mode) == 0o600
    assert not any(s in bbt.ok("audit", "list", "--json").stdout for s in secrets)
    accounts = {a["username"]: a for a in bbt.json("account", "list")}
    assert accounts["vt.mot"]["must_change_password"] and accounts["vt.hai"]["role"] == "clerk"
    # an update needs no credentials file
    source.write_text("username,unit,role\nvt.mot,BBT,viewer\n", encoding="utf-8")
    assert imported(bbt, "accounts", source)["updated"] == 1


def test_permissions_per_kind(demo: Bbt, tmp_path: Path) -> None:
    editor = make_user(demo, "bientap", "BBT", "editor")
    units = tmp_path / "units.csv"
    units.write_text("code,name,kind\nX1,X,other\n", encoding="utf-8")
    denied = editor("import", "units", str(units))
    assert denied.exit_code == 3 and "units.write" in denied.stderr
    articles = tmp_path / "articles.csv"
    articles.write_text(ARTICLE_HEADER + "Tin biên tập,news,BBT,,0,submitted,2022-06-01,,\n",
                        encoding="utf-8")
    assert imported(editor, "articles", articles)["inserted"] == 1
    assert editor("import", "deliveries", str(articles)).exit_code == 3
    viewer = make_user(demo, "lanhdao", "HU", "viewer")
    assert viewer("import", "visits", str(articles)).exit_code == 3
    exported = viewer.ok("export", "accounts", "--format", "json").stdout
    rows = json.loads(exported)
    assert {tuple(r) for r in rows} == {("username", "full_name", "unit", "role")}
    assert "argon2" not in exported
    # a unit clerk's export holds its own unit's documents only, like `doc list`
    clerk = make_user(demo, "vt.du-locan", "DU-LOCAN", "clerk")
    numbers = {r["number"] for r in json.loads(clerk.ok("export", "documents", "--format",
                                                        "json").stdout)}
    assert numbers and numbers == {d["number"] for d in clerk.json("doc", "list")}
    assert "XLSX export needs a file" in refused(viewer, "export", "units", "--format", "xlsx")


@pytest.mark.parametrize("value", ["", "=", "'", "''", "'=", "''=", "-", "-1", "+84", "@x",
                                   "\tx", "\rx", "\nx", "'x", "x'", "a=b", "=1+1", "'''"])
def test_escape_round_trips_and_disarms(value: str) -> None:
    from domain.imports_io import FORMULA_TRIGGERS, escape, unescape

    assert unescape(escape(value)) == value
    assert not escape(value).startswith(FORMULA_TRIGGERS)
