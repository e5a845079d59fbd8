"""The demo dataset of SPEC section 3: Bảo Lâm district as of June 2022.

Built so that the 2022 half-year report reproduces the reference document's figures
(74 news, 291 photos, 200 documents posted, 33,000 visitors, 70 accounts, 68 grassroots
organisations trained). Rows are inserted in bulk; one audit entry records the load.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from domain import audit
from domain.auth import Actor
from domain.numbering import format_number, period_for
from domain.text import fold
from models import (
    Account,
    Article,
    DataEntry,
    Delivery,
    Document,
    RegisterCounter,
    Setting,
    Training,
    TrainingUnit,
    Unit,
    Visit,
)

TERM_2020 = date(2020, 10, 1)  # Đại hội Đảng bộ huyện lần thứ ... nhiệm kỳ 2020-2025

PARTY_BODIES = [
    ("HU", "Huyện ủy Bảo Lâm", "committee", None),
    ("VPHU", "Văn phòng Huyện ủy", "office", "HU"),
    ("BTCHU", "Ban Tổ chức Huyện ủy", "board", "HU"),
    ("BTGHU", "Ban Tuyên giáo Huyện ủy", "board", "HU"),
    ("BDVHU", "Ban Dân vận Huyện ủy", "board", "HU"),
    ("UBKTHU", "Ủy ban Kiểm tra Huyện ủy", "board", "HU"),
    ("BBT", "Ban Biên tập Trang thông tin điện tử Đảng bộ huyện", "board", "HU"),
    ("TTCT", "Trung tâm Chính trị huyện", "other", "HU"),
    ("VPUB", "Văn phòng HĐND và UBND huyện", "government", None),
    ("UBND", "Ủy ban nhân dân huyện Bảo Lâm", "government", None),
    ("TU", "Tỉnh ủy Lâm Đồng", "committee", None),
    ("VPTU", "Văn phòng Tỉnh ủy Lâm Đồng", "office", "TU"),
]

COMMUNES = ["Lộc Thắng", "Lộc An", "Lộc Bảo", "Lộc Bắc", "Lộc Lâm", "Lộc Phú", "Lộc Quảng",
            "Lộc Tân", "Lộc Thành", "Lộc Nam", "Lộc Ngãi", "Lộc Đức", "Tân Lạc", "B'Lá"]

AGENCIES = [
    "Quân sự huyện", "Công an huyện", "Cơ quan Huyện ủy", "Cơ quan UBND huyện",
    "Khối Mặt trận và các đoàn thể", "Trung tâm Y tế huyện", "Bệnh viện đa khoa huyện",
    "Phòng Giáo dục và Đào tạo", "Phòng Tài chính - Kế hoạch", "Phòng Tài nguyên và Môi trường",
    "Phòng Nông nghiệp và PTNT", "Phòng Kinh tế - Hạ tầng", "Phòng Nội vụ",
    "Phòng Lao động - TB&XH", "Phòng Văn hóa và Thông tin", "Phòng Tư pháp",
    "Thanh tra huyện", "Trung tâm Văn hóa - Thể thao và Truyền thông", "Chi cục Thuế khu vực",
    "Kho bạc Nhà nước huyện", "Ngân hàng Chính sách xã hội huyện", "Ngân hàng Agribank Bảo Lâm",
    "Bảo hiểm xã hội huyện", "Viện Kiểm sát nhân dân huyện", "Tòa án nhân dân huyện",
    "Chi cục Thi hành án dân sự", "Ban Quản lý dự án đầu tư xây dựng",
    "Trung tâm Dịch vụ nông nghiệp", "Hạt Kiểm lâm Bảo Lâm", "Điện lực Bảo Lâm",
    "Công ty Nhôm Lâm Đồng", "Công ty TNHH MTV Lâm nghiệp Bảo Lâm",
    "Công ty cổ phần Chè Tâm Châu", "Công ty TNHH Trà Lộc Phát", "Bưu điện huyện",
    "Viettel Bảo Lâm", "Trường THPT Bảo Lâm", "Trường THPT Lộc An", "Trường THPT Lộc Thành",
    "Trường THPT Lộc Bắc", "Trường THPT Lộc Phát", "Trường THCS Lộc Thắng",
    "Trường THCS Lộc An", "Trường THCS Lộc Quảng", "Trường THCS Lộc Ngãi",
    "Trường THCS Lộc Tân", "Trường THCS Lộc Nam", "Trường THCS B'Lá",
    "Trường Phổ thông Dân tộc nội trú", "Trường Tiểu học Lộc Thắng", "Trường Tiểu học Lộc Đức",
    "Phòng Giao dịch Vietinbank Bảo Lâm", "Trung tâm Giáo dục nghề nghiệp - GDTX",
    "Đội Quản lý thị trường số 6",
]

# Published news per month of 2022 and their photos (the reference report).
NEWS_2022 = {2: (4, 16), 3: (14, 56), 4: (27, 108), 5: (29, 111)}
DOCUMENTS_POSTED_2022 = {1: 28, 2: 30, 3: 35, 4: 34, 5: 38, 6: 35}  # 200 by June
VISITS = {**{f"2021-{m:02d}": 550 for m in range(1, 13)},
          "2022-01": 900, "2022-02": 850, "2022-03": 950,
          "2022-04": 1100, "2022-05": 1200, "2022-06": 1000}
VISITS_OPENING = 33_000 - sum(VISITS.values())
AUTHORS = ["Nguyễn Thị Hồng", "Trần Văn Đức", "Lê Minh Tuấn", "K'Brơi", "Phạm Thu Hà",
           "Hoàng Văn Lâm", "Ka Thảo", "Đặng Quốc Việt"]


def grassroots_units() -> list[tuple[str, str]]:
    communes = [(f"DU-{fold(name).replace(' ', '').replace(chr(39), '').upper()}",
                 f"Đảng bộ {'thị trấn' if name == 'Lộc Thắng' else 'xã'} {name}")
                for name in COMMUNES]
    agencies = [(f"CB-{i:02d}", f"{'Đảng bộ' if i <= 3 else 'Chi bộ'} {name}")
                for i, name in enumerate(AGENCIES, start=1)]
    return communes + agencies


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def load(session: Session, actor: Actor) -> dict[str, int]:
    code_to_id: dict[str, int] = {}

    def add_unit(code: str, name: str, kind: str, parent: str | None) -> None:
        unit = Unit(code=code, name=name, kind=kind, parent_id=code_to_id.get(parent or ""),
                    term_start=TERM_2020 if kind != "government" else None,
                    created_at=_at(date(2022, 1, 4)))
        session.add(unit)
        session.flush()
        code_to_id[code] = unit.id  # type: ignore[assignment]

    for code, name, kind, parent in PARTY_BODIES:
        if code == "BBT" and (existing := _existing(session, "BBT")):
            existing.name, existing.kind = name, kind
            existing.parent_id, existing.term_start = code_to_id["HU"], TERM_2020
            code_to_id[code] = existing.id  # type: ignore[assignment]
            continue
        add_unit(code, name, kind, parent)
    grassroots = grassroots_units()
    for code, name in grassroots:
        add_unit(code, name, "grassroots", "HU")

    _accounts(session, grassroots, code_to_id)
    _training(session, grassroots, code_to_id)
    documents = _documents(session, grassroots, code_to_id)
    articles = _articles(session, grassroots, code_to_id)
    _visits(session)
    _dataentry(session, code_to_id)
    counts = {"units": len(code_to_id), "accounts": len(grassroots) + 2,
              "documents": documents, "articles": articles}
    audit.record(session, actor, "init.demo", "database", "demo", **counts)
    return counts


def _existing(session: Session, code: str) -> Unit | None:
    from sqlmodel import select

    return session.exec(select(Unit).where(Unit.code == code)).first()


def _accounts(session: Session, grassroots: list[tuple[str, str]], ids: dict[str, int]) -> None:
    # Demo accounts get no usable password ("!" never verifies): an admin hands one out
    # with `bbt account reset-password`, as the board did for the 70 real accounts.
    people = [("vanthu", "Văn thư Huyện ủy", "VPHU", "operator"),
              ("bientap", "Biên tập viên BBT", "BBT", "editor")]
    people += [(f"vt.{code.lower()}", f"Văn thư {name}", code, "clerk")
               for code, name in grassroots]
    for i, (username, full_name, unit, role) in enumerate(people):
        session.add(Account(username=username, full_name=full_name, unit_id=ids[unit], role=role,
                            password_hash="!", must_change_password=True,
                            created_at=_at(date(2022, 5, 10) + timedelta(days=i % 10))))


def _training(session: Session, grassroots: list[tuple[str, str]], ids: dict[str, int]) -> None:
    training = Training(date=date(2022, 5, 20),
                        topic="Tập huấn sử dụng phần mềm IDOC gửi, nhận và xử lý văn bản")
    session.add(training)
    session.flush()
    session.add_all(TrainingUnit(training_id=training.id, unit_id=ids[code])  # type: ignore[arg-type]
                    for code, _ in grassroots)


def _documents(session: Session, grassroots: list[tuple[str, str]], ids: dict[str, int]) -> int:
    outgoing = [
        (750, "QĐ", "HU", date(2022, 2, 8), "Thành lập Ban Biên tập Trang thông tin điện tử "
         "Đảng bộ huyện; quản lý, vận hành các hệ thống phần mềm khối Đảng"),
        (796, "QĐ", "HU", date(2022, 2, 21), "Ban hành Quy chế hoạt động của Ban Biên tập Trang "
         "thông tin điện tử Đảng bộ huyện; quản lý, vận hành các hệ thống phần mềm khối Đảng"),
        (3, "QĐ", "HU", date(2022, 2, 24), "Quy định cung cấp thông tin đăng tải trên Trang "
         "thông tin điện tử (Website) Đảng bộ huyện Bảo Lâm"),
        (152, "CV", "HU", date(2022, 5, 25), "Thực hiện gửi, nhận và xử lý văn bản trên phần mềm "
         "IDOC từ ngày 01/6/2022"),
        (116, "BC", "BBT", date(2022, 6, 1), "Báo cáo tình hình cung cấp tin bài tháng 5 năm 2022"),
        (156, "QĐ", "UBND", date(2022, 3, 15), "Quyết định kiện toàn Tổ giúp việc vận hành hệ "
         "thống thông tin tổng hợp của UBND huyện"),
    ]
    incoming = [
        (42, "KH", "TU", date(2022, 4, 25), "Kế hoạch ứng dụng công nghệ thông tin trong hoạt "
         "động của các cơ quan Đảng tỉnh Lâm Đồng giai đoạn 2021-2025"),
        (14, "NQ", "TU", date(2022, 5, 25), "Nghị quyết về đẩy mạnh cải cách hành chính trên địa "
         "bàn tỉnh Lâm Đồng đến năm 2025, định hướng đến năm 2030"),
        (12, "NQ", "TU", date(2022, 5, 25), "Nghị quyết về chuyển đổi số tỉnh Lâm Đồng đến năm "
         "2025, định hướng đến năm 2030"),
    ]
    docs: dict[str, Document] = {}
    counters: dict[tuple[str, str, str, str], int] = {}
    for seq, doc_type, issuer, day, title in outgoing:
        party = issuer != "UBND"
        number = format_number(seq, doc_type, issuer, party)
        period = TERM_2020.isoformat() if party else str(day.year)
        docs[number] = Document(number=number, seq=seq, doc_type=doc_type, issuer_id=ids[issuer],
                                period=period, date=day, place="Bảo Lâm", title=title,
                                title_search=fold(title), direction="outgoing",
                                signer="Thường trực Huyện ủy" if party else "Chủ tịch UBND")
        key = (issuer, "out", doc_type if party else "*", period)
        counters[key] = max(counters.get(key, 0), seq)
    for incoming_no, (seq, doc_type, issuer, day, title) in enumerate(incoming, start=1):
        number = format_number(seq, doc_type, issuer, True)
        received = day + timedelta(days=2)
        docs[number] = Document(number=number, seq=seq, doc_type=doc_type, issuer_id=ids[issuer],
                                period=period_for(_unit(session, ids[issuer]), day), date=day,
                                place="Đà Lạt", title=title,
                                title_search=fold(title), direction="incoming",
                                recipient_id=ids["VPHU"], incoming_number=incoming_no,
                                incoming_year=received.year, received_on=received)
        counters[("VPHU", "in", "*", str(received.year))] = incoming_no
    session.add_all(docs.values())
    session.flush()
    session.add_all(RegisterCounter(unit_id=ids[u], book=b, series=s, period=p, value=v)
                    for (u, b, s, p), v in counters.items())

    codes = [code for code, _ in grassroots]

    def send(number: str, targets: list[str], purpose: str, due: date | None,
             sent: date, done_share: float, received_share: float) -> None:
        n = len(targets)
        for i, code in enumerate(targets):
            status = ("done" if i < n * done_share else
                      "received" if i < n * (done_share + received_share) else "sent")
            session.add(Delivery(
                document_id=docs[number].id or 0, unit_id=ids[code], purpose=purpose, due=due,
                status=status, sent_at=_at(sent),
                received_at=_at(sent + timedelta(days=1)) if status != "sent" else None,
                done_at=_at(sent + timedelta(days=5)) if status == "done" else None))

    send("750-QĐ/HU", ["BBT", "VPHU", "BTCHU", "BTGHU", "BDVHU", "UBKTHU"], "act", None,
         date(2022, 2, 8), 1.0, 0.0)
    send("796-QĐ/HU", ["BBT", "VPHU", "BTGHU"], "act", None, date(2022, 2, 21), 1.0, 0.0)
    send("03-QĐ/HU", codes, "act", date(2022, 3, 31), date(2022, 2, 24), 0.9, 0.06)
    # Reversed: the few units still to acknowledge 152-CV/HU are not those still to
    # acknowledge 03-QĐ/HU, so every grassroots unit has used routing (the report's 100%).
    send("152-CV/HU", codes[::-1], "act", date(2022, 6, 1), date(2022, 5, 25), 0.85, 0.1)
    send("116-BC/BBT", ["HU", "VPTU"], "report", None, date(2022, 6, 1), 1.0, 0.0)
    send("42-KH/TU", ["BBT", "BTGHU", "VPUB"], "act", date(2022, 6, 30), date(2022, 4, 28),
         0.34, 0.33)
    send("14-NQ/TU", codes[:14], "inform", None, date(2022, 5, 28), 0.5, 0.3)
    send("12-NQ/TU", codes[:14], "act", date(2022, 7, 15), date(2022, 5, 28), 0.2, 0.5)
    return len(docs)


def _articles(session: Session, grassroots: list[tuple[str, str]], ids: dict[str, int]) -> int:
    sources = ["BBT", "BTGHU", "VPHU"] + [code for code, _ in grassroots[:14]]
    rows: list[Article] = []

    def add(title: str, kind: str, published: date | None, photos: int, i: int,
            status: str = "published") -> None:
        submitted = (published or date(2022, 6, 10)) - timedelta(days=2)
        rows.append(Article(
            title=title, kind=kind, unit_id=ids[sources[i % len(sources)]],
            author=AUTHORS[i % len(AUTHORS)], photos=photos, status=status,
            submitted=submitted, published=published,
            url=f"https://baolam.lamdong.dcs.vn/tin-bai/{2022}{len(rows) + 1:05d}" if published
            else "", created_at=_at(submitted)))

    for month, (news, photos) in NEWS_2022.items():
        base, extra = divmod(photos, news)
        for i in range(news):
            day = date(2022, month, 1 + (i * 27) // news)
            add(f"Tin hoạt động tháng {month}/2022 số {i + 1}", "news", day,
                base + (1 if i < extra else 0), i)
        for i in range(2):
            add(f"Khẩu hiệu tuyên truyền tháng {month}/2022 số {i + 1}", "slogan",
                date(2022, month, 2 + i), 0, i)
    for month, count in DOCUMENTS_POSTED_2022.items():
        # The reference is dated 13/06/2022 and counts all 200: June's were posted by then.
        span = 12 if month == 6 else 27
        for i in range(count):
            add(f"Văn bản đăng tải tháng {month}/2022 số {i + 1}", "document",
                date(2022, month, 1 + (i * span) // count), 0, i)
    for i, status in enumerate(["submitted", "editing", "approved", "rejected"]):
        add(f"Bài viết chờ duyệt số {i + 1}: phong trào chuyển đổi số ở cơ sở", "feature",
            None, 3, i, status)
    session.add_all(rows)
    return len(rows)


def _visits(session: Session) -> None:
    session.add_all(Visit(month=m, visitors=v) for m, v in VISITS.items())
    session.add(Setting(key="visits.opening_balance", value=str(VISITS_OPENING)))


def _dataentry(session: Session, ids: dict[str, int]) -> None:
    party = ["VPHU", "BTCHU", "BTGHU", "BDVHU", "UBKTHU"]
    for code in party:
        for year in range(2015, 2022):
            session.add(DataEntry(unit_id=ids[code], subsystem="Khối Đảng", period=str(year),
                                  status="synced", entered_on=date(2022, 3, 1),
                                  synced_on=date(2022, 3, 15)))
        session.add(DataEntry(unit_id=ids[code], subsystem="Khối Đảng", period="2022-Q1",
                              status="entered" if code != "BDVHU" else "missing",
                              entered_on=date(2022, 5, 20) if code != "BDVHU" else None))
    for year in range(2015, 2023):
        period = str(year) if year < 2022 else "2022-Q1"
        entered = year <= 2020
        session.add(DataEntry(unit_id=ids["VPUB"], subsystem="UBND huyện", period=period,
                              status="entered" if entered else "missing",
                              entered_on=date(2021, 12, 1) if entered else None))


def _unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    assert unit is not None
    return unit
