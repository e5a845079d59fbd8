"""Vietnamese names of the domain's codes, accepted wherever an English code is (options,
import cells): `--kind "Tổ chức cơ sở đảng"` means `grassroots`, `--role "Văn thư"` means
`operator` (SPEC 7.4).

Names are matched accent- and case-insensitively (fold), so "To chuc co so Dang", "tổ
chức cơ sở đảng" and a decomposed Windows-1258 cell all match. A value that matches no
name is returned unchanged for the caller's check to refuse, naming the English codes.
"""

from __future__ import annotations

from domain.text import fold

# category -> code -> the Vietnamese names a clerk writes for it
NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "unit_kind": {
        "committee": ("Cấp ủy", "Cấp ủy đảng", "Huyện ủy", "Tỉnh ủy"),
        "office": ("Văn phòng", "Văn phòng cấp ủy"),
        "board": ("Ban", "Ban xây dựng Đảng", "Ban của cấp ủy", "Ban Đảng"),
        "grassroots": ("Tổ chức cơ sở đảng", "Tổ chức cơ sở đảng trực thuộc", "Cơ sở đảng",
                       "TCCS đảng", "TCCSĐ", "Đảng bộ cơ sở", "Chi bộ cơ sở"),
        "government": ("Chính quyền", "Cơ quan nhà nước", "HĐND", "UBND", "HĐND, UBND"),
        "other": ("Khác",),
    },
    "role": {
        "admin": ("Quản trị", "Quản trị viên", "Quản trị hệ thống"),
        "operator": ("Văn thư",),
        "editor": ("Biên tập", "Biên tập viên"),
        "clerk": ("Văn thư đơn vị", "Cán bộ đơn vị"),
        "viewer": ("Người xem", "Chỉ xem", "Xem"),
    },
    "account_status": {
        "active": ("Hoạt động", "Đang hoạt động"),
        "locked": ("Khóa", "Bị khóa", "Đã khóa"),
        "disabled": ("Vô hiệu", "Vô hiệu hóa", "Đã vô hiệu hóa", "Ngừng hoạt động"),
    },
    "delivery_status": {
        "sent": ("Đã gửi", "Gửi"),
        "received": ("Đã nhận", "Đã tiếp nhận"),
        "done": ("Đã xử lý", "Hoàn thành", "Xong"),
        "returned": ("Trả lại", "Bị trả lại", "Đã trả lại"),
    },
    "article_status": {
        "submitted": ("Đã gửi", "Chờ duyệt", "Mới gửi"),
        "editing": ("Đang biên tập", "Biên tập"),
        "approved": ("Đã duyệt", "Duyệt"),
        "published": ("Đã đăng", "Đăng"),
        "rejected": ("Từ chối", "Bị từ chối", "Không đăng"),
    },
    "dataentry_status": {
        "missing": ("Chưa nhập",),
        "entered": ("Đã nhập",),
        "synced": ("Đã đồng bộ", "Đồng bộ"),
    },
    "purpose": {
        "report": ("Báo cáo", "Để báo cáo", "b/c"),
        "act": ("Thực hiện", "Để thực hiện"),
        "inform": ("Biết", "Để biết"),
        "coordinate": ("Phối hợp", "Để phối hợp"),
    },
    "urgency": {
        "normal": ("Thường", "Bình thường"),
        "urgent": ("Khẩn",),
        "very_urgent": ("Thượng khẩn",),
        "flash": ("Hỏa tốc",),
    },
    "direction": {  # of a document, and the register books (sổ văn bản đi, đến)
        "outgoing": ("Đi", "Văn bản đi", "Sổ văn bản đi"),
        "incoming": ("Đến", "Văn bản đến", "Sổ văn bản đến"),
    },
    "report_kind": {
        "monthly": ("Tháng", "Hằng tháng", "Báo cáo tháng"),
        "half-year": ("6 tháng", "Sáu tháng", "Báo cáo 6 tháng"),
        "annual": ("Năm", "Cả năm", "Hằng năm", "Báo cáo năm"),
    },
    "report_section": {
        "assessment": ("Đánh giá", "Đánh giá chung", "Phần II"),
        "tasks": ("Nhiệm vụ", "Nhiệm vụ trọng tâm", "Phần III"),
    },
    "article_kind": {
        "news": ("Tin",),
        "feature": ("Bài", "Bài viết"),
        "slogan": ("Khẩu hiệu",),
        "document": ("Văn bản",),
    },
}
NAMES["royalty_kind"] = {**NAMES["article_kind"], "photo": ("Ảnh",)}


def _key(value: str) -> str:
    return fold(value.replace("_", " "))


_LOOKUP: dict[str, dict[str, str]] = {
    category: {_key(name): code for code, names in table.items() for name in names}
    for category, table in NAMES.items()
}


def code(category: str, value: str) -> str:
    """The English code a Vietnamese name stands for; any other value unchanged."""
    if value in NAMES[category]:
        return value
    return _LOOKUP[category].get(_key(value), value)


def yes_no(value: str) -> bool | None:
    """yes/no, có/không, true/false, 1/0; None for anything else."""
    key = _key(value)
    if key in ("yes", "y", "true", "1", "co"):
        return True
    if key in ("no", "n", "false", "0", "khong"):
        return False
    return None
