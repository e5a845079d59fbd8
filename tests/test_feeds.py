"""Website feed sync: RSS and Atom written here, read from a file and from a server on
127.0.0.1; each entry a published article, idempotent by URL, kinds from categories."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Bbt, make_user

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>Trang thông tin điện tử Đảng bộ huyện Bảo Lâm</title>
<link>https://baolam.example.vn/</link><description>Tin bài</description>
<item><title>Hội nghị sơ kết 6 tháng đầu năm</title>
  <link>https://baolam.example.vn/tin/1</link><category>Tin</category>
  <author>ktha@example.vn (Ka Thảo)</author>
  <pubDate>Fri, 03 Jun 2022 08:00:00 +0700</pubDate>
  <description><![CDATA[<p>Nội dung <img src="https://baolam.example.vn/a.jpg"/>
  <img src='https://baolam.example.vn/b.jpg'> <img src="https://baolam.example.vn/a.jpg"></p>]]>
  </description>
  <media:content url="https://baolam.example.vn/c.jpg" medium="image"/>
</item>
<item><title>Bài viết về chuyển đổi số</title>
  <link>https://baolam.example.vn/bai/2</link><category>Bài viết</category>
  <pubDate>Tue, 07 Jun 2022 09:30:00 +0700</pubDate>
  <enclosure url="https://baolam.example.vn/d.png" type="image/png" length="10"/>
</item>
<item><title>Không có đường dẫn</title><category>Tin</category></item>
</channel></rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Cổng thông tin</title><id>urn:baolam</id><updated>2022-06-10T00:00:00Z</updated>
  <entry><title>Khẩu hiệu tuyên truyền tháng 6</title><id>urn:1</id>
    <link href="https://baolam.example.vn/kh/3"/><category term="Khẩu hiệu"/>
    <updated>2022-06-10T00:00:00Z</updated><author><name>Phạm Thu Hà</name></author>
    <content type="html">&lt;img src="https://baolam.example.vn/e.jpg"&gt;</content>
  </entry>
  <entry><title>Tin không rõ mục</title><id>urn:2</id>
    <link href="https://baolam.example.vn/tin/4"/><category term="Sự kiện"/>
    <updated>2022-06-11T00:00:00Z</updated>
  </entry>
</feed>
"""


@pytest.fixture
def feed_server(tmp_path: Path) -> Iterator[str]:
    """A server on 127.0.0.1 serving the two feeds from tmp_path, stopped after the test."""
    (tmp_path / "rss.xml").write_text(RSS, encoding="utf-8")
    (tmp_path / "atom.xml").write_text(ATOM, encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_rss_from_a_server_is_recorded_once(bbt: Bbt, feed_server: str) -> None:
    bbt.ok("unit", "add", "HU", "Huyện ủy", "--kind", "committee")
    result = bbt.json("article", "sync-feed", f"{feed_server}/rss.xml", "--unit", "HU")
    assert result["entries"] == 3 and result["skipped"] == 1
    added = {a["url"]: a for a in result["added"]}
    news = added["https://baolam.example.vn/tin/1"]
    assert (news["kind"], news["photos"], news["published"]) == ("news", 3, "2022-06-03")
    feature = added["https://baolam.example.vn/bai/2"]
    assert (feature["kind"], feature["photos"]) == ("feature", 1)
    again = bbt.json("article", "sync-feed", f"{feed_server}/rss.xml", "--unit", "HU")
    assert (again["added"], again["skipped"]) == ([], 3)
    rows = bbt.json("article", "list", "--status", "published")
    assert len(rows) == 2 and {r["unit"] for r in rows} == {"HU"}
    assert {r["title"] for r in rows} == {"Hội nghị sơ kết 6 tháng đầu năm",
                                          "Bài viết về chuyển đổi số"}
    stats = bbt.json("stats", "monthly", "--year", "2022", "--month", "6")
    assert stats["totals"]["news"] == 1 and stats["totals"]["photos"] == 4


def test_atom_from_a_file_kinds_by_setting(bbt: Bbt, tmp_path: Path) -> None:
    feed = tmp_path / "atom.xml"
    feed.write_text(ATOM, encoding="utf-8")
    bbt.ok("settings", "set", "feed.kinds", "khau hieu=slogan\\nsu kien=feature")
    result = bbt.json("article", "sync-feed", str(feed), "--unit", "BBT")
    kinds = {a["title"]: (a["kind"], a["photos"]) for a in result["added"]}
    assert kinds == {"Khẩu hiệu tuyên truyền tháng 6": ("slogan", 1),
                     "Tin không rõ mục": ("feature", 0)}
    author = [r["author"] for r in bbt.json("article", "list") if r["kind"] == "slogan"]
    assert author == ["Phạm Thu Hà"]


def test_bad_sources_are_refused_and_nothing_is_written(bbt: Bbt, tmp_path: Path,
                                                        feed_server: str) -> None:
    junk = tmp_path / "junk.xml"
    junk.write_text("<html><body>not a feed", encoding="utf-8")
    for source in (str(junk), str(tmp_path / "missing.xml"), f"{feed_server}/nothing.xml"):
        refused = bbt("article", "sync-feed", source, "--unit", "BBT")
        assert refused.exit_code == 1, source
        assert "Traceback" not in refused.output
    assert bbt("article", "sync-feed", str(junk), "--unit", "NOPE").exit_code == 1
    viewer = make_user(bbt, "xem", "BBT", "viewer")
    assert viewer("article", "sync-feed", f"{feed_server}/rss.xml", "--unit", "BBT"
                  ).exit_code == 3
    assert bbt.json("article", "list") == []
