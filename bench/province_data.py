"""Names and words of a province-scale dataset: Lâm Đồng's twelve districts and cities, the
Party committee of the provincial agencies as a thirteenth block, and the titles, topics and
people that fill ten years of registers. Plain data, no logic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Block:
    """One district-level Party organisation and the units under it."""

    suffix: str  # appended to unit codes ("HU-DL"); "" keeps the demo's codes (Bảo Lâm)
    name: str  # "Đà Lạt"
    level: str  # "huyện", "thành phố" or "khối" (the provincial agencies' Party committee)
    communes: tuple[str, ...]
    term_2020: date  # start of the 2020-2025 term of its Party committee


# Bảo Lâm comes first so that a scaled-down database still holds the demo's unit codes.
BLOCKS: tuple[Block, ...] = (
    Block("", "Bảo Lâm", "huyện", (), date(2020, 10, 1)),
    Block("DL", "Đà Lạt", "thành phố",
          ("Phường 1", "Phường 2", "Phường 3", "Phường 4", "Phường 5", "Phường 6",
           "Phường 7", "Phường 8", "Phường 9", "Phường 10", "Phường 11", "Phường 12",
           "Xuân Thọ", "Xuân Trường", "Tà Nung", "Trạm Hành"), date(2020, 7, 16)),
    Block("BLC", "Bảo Lộc", "thành phố",
          ("Phường 1", "Phường 2", "Phường B'Lao", "Phường Lộc Phát", "Phường Lộc Tiến",
           "Phường Lộc Sơn", "Đại Lào", "Đam Bri", "Lộc Thanh", "Lộc Nga", "Lộc Châu"),
          date(2020, 7, 22)),
    Block("DLI", "Di Linh", "huyện",
          ("Di Linh", "Gia Hiệp", "Tam Bố", "Đinh Lạc", "Tân Nghĩa", "Gung Ré",
           "Bảo Thuận", "Liên Đầm", "Tân Châu", "Tân Thượng", "Đinh Trang Hòa", "Hòa Ninh",
           "Hòa Bắc", "Hòa Nam", "Hòa Trung", "Sơn Điền", "Gia Bắc", "Tân Lâm",
           "Đinh Trang Thượng"), date(2020, 8, 5)),
    Block("DTR", "Đức Trọng", "huyện",
          ("Liên Nghĩa", "Hiệp An", "Hiệp Thạnh", "Liên Hiệp", "Phú Hội", "N'Thôl Hạ",
           "Tân Hội", "Tân Thành", "Ninh Gia", "Ninh Loan", "Đà Loan", "Tà Hine", "Tà Năng",
           "Bình Thạnh", "Đa Quyn"), date(2020, 7, 28)),
    Block("LH", "Lâm Hà", "huyện",
          ("Đinh Văn", "Nam Ban", "Mê Linh", "Đông Thanh", "Gia Lâm", "Nam Hà", "Tân Văn",
           "Hoài Đức", "Tân Hà", "Đan Phượng", "Liên Hà", "Phúc Thọ", "Tân Thanh", "Phi Tô",
           "Phú Sơn", "Đạ Đờn"), date(2020, 8, 12)),
    Block("DD", "Đơn Dương", "huyện",
          ("Thạnh Mỹ", "D'Ran", "Lạc Xuân", "Lạc Lâm", "Ka Đô", "Ka Đơn", "Pró",
           "Quảng Lập", "Tu Tra", "Đạ Ròn"), date(2020, 8, 19)),
    Block("LD", "Lạc Dương", "huyện",
          ("Lạc Dương", "Đạ Nhim", "Đạ Chais", "Đưng K'Nớ", "Lát", "Đạ Sar"),
          date(2020, 7, 9)),
    Block("DR", "Đam Rông", "huyện",
          ("Rô Men", "Phi Liêng", "Đạ K'Nàng", "Đạ Rsal", "Đạ M'Rông", "Liêng Srônh",
           "Đạ Tông", "Đạ Long"), date(2020, 7, 30)),
    Block("DHU", "Đạ Huoai", "huyện",
          ("Mađaguôi", "Đạ M'ri", "Hà Lâm", "Đạ Oai", "Đạ Tồn", "Đoàn Kết", "Phước Lộc",
           "Đạ P'Loa"), date(2020, 8, 26)),
    Block("DTE", "Đạ Tẻh", "huyện",
          ("Đạ Tẻh", "An Nhơn", "Đạ Kho", "Đạ Lây", "Đạ Pal", "Hà Đông", "Mỹ Đức",
           "Quảng Trị", "Quốc Oai", "Triệu Hải", "Hương Lâm"), date(2020, 9, 2)),
    Block("CT", "Cát Tiên", "huyện",
          ("Cát Tiên", "Phước Cát", "Đức Phổ", "Gia Viễn", "Nam Ninh", "Mỹ Lâm",
           "Quảng Ngãi", "Tư Nghĩa", "Đồng Nai Thượng", "Tiên Hoàng", "Phước Cát 2"),
          date(2020, 9, 9)),
    Block("KCQ", "các cơ quan tỉnh", "khối", (), date(2020, 6, 18)),
)

PROVINCE = "Lâm Đồng"
PROVINCE_TERM_2020 = date(2020, 10, 15)

# (code, name, kind, parent code): the province's own bodies, which issue and send too.
PROVINCE_UNITS = (
    ("TU", "Tỉnh ủy Lâm Đồng", "committee", None),
    ("VPTU", "Văn phòng Tỉnh ủy Lâm Đồng", "office", "TU"),
    ("BTCTU", "Ban Tổ chức Tỉnh ủy", "board", "TU"),
    ("BTGTU", "Ban Tuyên giáo Tỉnh ủy", "board", "TU"),
    ("BDVTU", "Ban Dân vận Tỉnh ủy", "board", "TU"),
    ("UBKTTU", "Ủy ban Kiểm tra Tỉnh ủy", "board", "TU"),
    ("UBNDT", "Ủy ban nhân dân tỉnh Lâm Đồng", "government", None),
    ("VPUBT", "Văn phòng UBND tỉnh Lâm Đồng", "government", "UBNDT"),
)

# Senders outside the province: their documents arrive in the incoming registers.
EXTERNAL_UNITS = (
    ("TW", "Ban Chấp hành Trung ương Đảng", "committee"),
    ("VPTW", "Văn phòng Trung ương Đảng", "office"),
    ("BTGTW", "Ban Tuyên giáo Trung ương", "board"),
    ("CP", "Chính phủ", "government"),
    ("BTTTT", "Bộ Thông tin và Truyền thông", "government"),
    ("BNV", "Bộ Nội vụ", "government"),
)
# National Party congresses open in January, so the senders' terms start with a year.
EXTERNAL_TERMS = (date(2011, 1, 1), date(2016, 1, 1), date(2021, 1, 1))

# (code base, name pattern, kind, parent base) of the bodies of a district; {c} is the
# committee's name ("Huyện ủy Lâm Hà"), {d} the district's ("huyện Lâm Hà").
DISTRICT_BODIES = (
    ("HU", "{c}", "committee", None),
    ("VPHU", "Văn phòng {c}", "office", "HU"),
    ("BTCHU", "Ban Tổ chức {c}", "board", "HU"),
    ("BTGHU", "Ban Tuyên giáo {c}", "board", "HU"),
    ("BDVHU", "Ban Dân vận {c}", "board", "HU"),
    ("UBKTHU", "Ủy ban Kiểm tra {c}", "board", "HU"),
    ("BBT", "Ban Biên tập Trang thông tin điện tử Đảng bộ {d}", "board", "HU"),
    ("TTCT", "Trung tâm Chính trị {d}", "other", "HU"),
    ("UBND", "Ủy ban nhân dân {d}", "government", None),
    ("VPUB", "Văn phòng HĐND và UBND {d}", "government", "UBND"),
)
# The provincial agencies' Party committee has no people's committee and no website board.
KHOI_BODIES = tuple(b for b in DISTRICT_BODIES if b[0] in
                    {"HU", "VPHU", "BTCHU", "BTGHU", "BDVHU", "UBKTHU"})

# Agencies and enterprises with a Party cell in a district ({d}: "huyện Lâm Hà").
DISTRICT_AGENCIES = (
    "Quân sự {d}", "Công an {d}", "Cơ quan Huyện ủy", "Cơ quan UBND {d}",
    "Khối Mặt trận và các đoàn thể", "Trung tâm Y tế {d}", "Bệnh viện đa khoa {d}",
    "Phòng Giáo dục và Đào tạo", "Phòng Tài chính - Kế hoạch", "Phòng Tài nguyên và Môi trường",
    "Phòng Nông nghiệp và PTNT", "Phòng Kinh tế - Hạ tầng", "Phòng Nội vụ",
    "Phòng Lao động - TB&XH", "Phòng Văn hóa và Thông tin", "Phòng Tư pháp", "Thanh tra {d}",
    "Trung tâm Văn hóa - Thể thao và Truyền thông", "Chi cục Thuế khu vực",
    "Kho bạc Nhà nước {d}", "Ngân hàng Chính sách xã hội {d}", "Bảo hiểm xã hội {d}",
    "Viện Kiểm sát nhân dân {d}", "Tòa án nhân dân {d}", "Chi cục Thi hành án dân sự",
    "Ban Quản lý dự án đầu tư xây dựng", "Trung tâm Dịch vụ nông nghiệp", "Hạt Kiểm lâm",
    "Điện lực {d}", "Bưu điện {d}", "Viettel {d}", "Trung tâm Giáo dục nghề nghiệp - GDTX",
    "Trường Phổ thông Dân tộc nội trú", "Ban Quản lý rừng phòng hộ", "Đội Quản lý thị trường",
    "Chi nhánh Văn phòng Đăng ký đất đai", "Trạm Khuyến nông", "Hội Nông dân {d}",
    "Hội Cựu chiến binh {d}", "Liên đoàn Lao động {d}",
)
SCHOOL_KINDS = ("Trường THPT", "Trường THCS", "Trường Tiểu học", "Trường Mầm non")

PROVINCIAL_AGENCIES = (
    "Sở Nội vụ", "Sở Tài chính", "Sở Kế hoạch và Đầu tư", "Sở Tư pháp", "Sở Công Thương",
    "Sở Nông nghiệp và PTNT", "Sở Tài nguyên và Môi trường", "Sở Xây dựng",
    "Sở Giao thông vận tải", "Sở Thông tin và Truyền thông", "Sở Giáo dục và Đào tạo",
    "Sở Y tế", "Sở Lao động - TB&XH", "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Khoa học và Công nghệ", "Thanh tra tỉnh", "Văn phòng Đoàn ĐBQH và HĐND tỉnh",
    "Ban Dân tộc tỉnh", "Ban Quản lý các khu công nghiệp", "Đài Phát thanh - Truyền hình",
    "Báo Lâm Đồng", "Trường Chính trị tỉnh", "Bệnh viện đa khoa tỉnh", "Bệnh viện II Lâm Đồng",
    "Trung tâm Kiểm soát bệnh tật", "Trường Cao đẳng Đà Lạt", "Trường Cao đẳng Y tế",
    "Trường Đại học Đà Lạt", "Kho bạc Nhà nước tỉnh", "Cục Thuế tỉnh", "Cục Thống kê",
    "Cục Hải quan", "Ngân hàng Nhà nước chi nhánh tỉnh", "Bảo hiểm xã hội tỉnh",
    "Liên minh Hợp tác xã", "Hội Liên hiệp Phụ nữ tỉnh", "Tỉnh đoàn", "Hội Nông dân tỉnh",
    "Hội Cựu chiến binh tỉnh", "Liên đoàn Lao động tỉnh", "Ủy ban MTTQ Việt Nam tỉnh",
    "Công ty TNHH MTV Cấp thoát nước", "Công ty Điện lực Lâm Đồng", "Viễn thông Lâm Đồng",
    "Bưu điện tỉnh", "Công ty cổ phần Dược Lâm Đồng", "Vườn quốc gia Bidoup - Núi Bà",
    "Viện Nghiên cứu hạt nhân", "Trung tâm Phục vụ hành chính công", "Quỹ Phát triển đất",
)

# Document types with their weight, per numbering scheme and kind of issuer.
PARTY_TYPES = {"CV": 30, "BC": 20, "TB": 12, "QĐ": 12, "KH": 10, "HD": 4, "TTr": 3,
               "KL": 2, "NQ": 2, "CTr": 2, "CT": 1, "QĐi": 1, "QC": 1}
GRASSROOTS_TYPES = {"BC": 40, "NQ": 20, "TTr": 12, "KH": 12, "QĐ": 10, "CV": 6}
STATE_TYPES = {"QĐ": 45, "BC": 15, "KH": 12, "TB": 12, "TTr": 8, "HD": 6, "CT": 2}
# Relative volume of outgoing documents by the issuer's code base.
ISSUER_WEIGHTS = {"HU": 250, "VPHU": 350, "BTCHU": 120, "BTGHU": 120, "BDVHU": 80,
                  "UBKTHU": 80, "BBT": 40, "UBND": 400, "VPUB": 300, "grassroots": 5,
                  "TU": 300, "VPTU": 600, "BTCTU": 150, "BTGTU": 150, "BDVTU": 100,
                  "UBKTTU": 100, "UBNDT": 600, "VPUBT": 300}
URGENCY_WEIGHTS = {"normal": 90, "urgent": 7, "very_urgent": 2, "flash": 1}

SIGNERS = {"committee": "Thường trực {c}", "office": "Chánh Văn phòng",
           "board": "Trưởng ban", "grassroots": "Bí thư", "government": "Chủ tịch",
           "other": "Giám đốc"}

# Topics that documents and articles are about; (first year, last year) when bound in time.
TOPICS: tuple[tuple[str, int, int], ...] = (
    ("công tác tuyên truyền, phổ biến, giáo dục pháp luật", 0, 9999),
    ("ứng dụng công nghệ thông tin trong hoạt động của các cơ quan Đảng", 0, 9999),
    ("chuyển đổi số trong các cơ quan Đảng, chính quyền", 2020, 9999),
    ("gửi, nhận và xử lý văn bản điện tử trên phần mềm IDOC", 2019, 9999),
    ("vận hành Trang thông tin điện tử Đảng bộ", 0, 9999),
    ("xây dựng nông thôn mới", 0, 9999),
    ("phòng, chống dịch COVID-19", 2020, 2022),
    ("công tác phát triển đảng viên", 0, 9999),
    ("học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh", 2016, 9999),
    ("cải cách hành chính", 0, 9999),
    ("quản lý, bảo vệ và phát triển rừng", 0, 9999),
    ("phòng cháy, chữa cháy rừng mùa khô", 0, 9999),
    ("phát triển cây chè, cà phê chất lượng cao", 0, 9999),
    ("giảm nghèo bền vững", 0, 9999),
    ("công tác dân vận của hệ thống chính trị", 0, 9999),
    ("công tác kiểm tra, giám sát của Đảng", 0, 9999),
    ("thu, chi ngân sách nhà nước", 0, 9999),
    ("đại hội đảng bộ các cấp nhiệm kỳ 2015-2020", 2014, 2015),
    ("đại hội đảng bộ các cấp nhiệm kỳ 2020-2025", 2019, 2020),
    ("bầu cử đại biểu Quốc hội và HĐND các cấp", 2016, 2016),
    ("bầu cử đại biểu Quốc hội khóa XV và HĐND các cấp nhiệm kỳ 2021-2026", 2021, 2021),
    ("bảo đảm trật tự an toàn giao thông", 0, 9999),
    ("bảo vệ chính trị nội bộ", 0, 9999),
    ("phòng, chống tham nhũng, lãng phí", 0, 9999),
    ("thực hiện quy chế dân chủ ở cơ sở", 0, 9999),
    ("công tác thi đua, khen thưởng", 0, 9999),
    ("kiện toàn tổ chức bộ máy, tinh giản biên chế", 2017, 9999),
    ("công tác cán bộ và quy hoạch cán bộ", 0, 9999),
    ("sinh hoạt chi bộ định kỳ", 0, 9999),
    ("thu, nộp và quản lý đảng phí", 0, 9999),
    ("kỷ niệm ngày thành lập Đảng Cộng sản Việt Nam", 0, 9999),
    ("đảm bảo quốc phòng, an ninh", 0, 9999),
    ("phát triển du lịch", 0, 9999),
    ("nhập liệu hệ thống thông tin tổng hợp", 2015, 9999),
)

PERIOD_WORDS = ("tháng {m} năm {y}", "quý {q} năm {y}", "6 tháng đầu năm {y}", "năm {y}")
TITLE_PATTERNS = {
    "BC": ("Báo cáo kết quả {topic} {period}", "Báo cáo tình hình {topic} {period}"),
    "KH": ("Kế hoạch triển khai {topic} năm {y}", "Kế hoạch kiểm tra, giám sát {topic}"),
    "QĐ": ("Quyết định kiện toàn Ban Chỉ đạo {topic}",
           "Quyết định thành lập Đoàn kiểm tra {topic}",
           "Quyết định khen thưởng tập thể, cá nhân có thành tích trong {topic}"),
    "CV": ("Về việc {topic}", "Về việc đôn đốc thực hiện {topic}"),
    "TB": ("Thông báo kết luận về {topic}", "Thông báo ý kiến chỉ đạo về {topic}"),
    "NQ": ("Nghị quyết về {topic}", "Nghị quyết lãnh đạo thực hiện nhiệm vụ {period}"),
    "CT": ("Chỉ thị về tăng cường {topic}",),
    "HD": ("Hướng dẫn thực hiện {topic}",),
    "TTr": ("Tờ trình về {topic}",),
    "KL": ("Kết luận về {topic}",),
    "CTr": ("Chương trình hành động thực hiện {topic}",),
    "QĐi": ("Quy định về {topic}",),
    "QC": ("Quy chế phối hợp trong {topic}",),
}
TYPE_NAMES = {"BC": "Báo cáo", "KH": "Kế hoạch", "QĐ": "Quyết định", "CV": "Công văn",
              "TB": "Thông báo", "NQ": "Nghị quyết", "CT": "Chỉ thị", "HD": "Hướng dẫn",
              "TTr": "Tờ trình", "KL": "Kết luận", "CTr": "Chương trình", "QĐi": "Quy định",
              "QC": "Quy chế"}

NEWS_PATTERNS = ("{unit} tổ chức hội nghị về {topic}", "{unit} triển khai {topic}",
                 "{unit}: sơ kết {topic}", "Kết quả bước đầu trong {topic} ở {unit}")
FEATURE_PATTERNS = ("{topic_cap}: những chuyển biến tích cực ở {unit}",
                    "Nhìn lại một năm {topic} tại {unit}",
                    "Gương sáng trong {topic}")
SLOGANS = ("Nhiệt liệt chào mừng kỷ niệm {n} năm Ngày thành lập Đảng Cộng sản Việt Nam",
           "Toàn Đảng, toàn dân, toàn quân thi đua lập thành tích chào mừng năm {y}",
           "Đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
           "Chung sức xây dựng nông thôn mới năm {y}",
           "Chủ động phòng cháy, chữa cháy rừng mùa khô {y}")

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
          "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Minh", "Hữu", "Thu", "Quốc", "Thanh", "Ngọc", "Đức", "Hồng")
GIVEN = ("An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Hương",
         "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Quang", "Sơn",
         "Tâm", "Thảo", "Thắng", "Trang", "Tuấn", "Việt", "Yến")
# Names of the K'Ho, Mạ and Churu people who write for the sites of the highland districts.
HIGHLAND_NAMES = ("K'Brơi", "Ka Thảo", "K'Điệp", "Ka H'Nhiên", "Ma Mai", "Bố Bố Hoàn",
                  "Ka Sô Liễng", "K'Tiếu")

TRAINING_TOPICS = (
    "Tập huấn sử dụng phần mềm gửi, nhận và xử lý văn bản điện tử",
    "Tập huấn nghiệp vụ công tác văn thư, lưu trữ trong các cơ quan Đảng",
    "Bồi dưỡng nghiệp vụ viết tin, bài cho Trang thông tin điện tử",
    "Tập huấn nhập liệu hệ thống thông tin tổng hợp",
    "Tập huấn bảo đảm an toàn, an ninh thông tin",
)
SUBSYSTEMS = {"party": "Khối Đảng", "government": "UBND huyện", "grassroots": "Cơ sở Đảng"}
