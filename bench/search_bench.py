"""Full-text search at province scale: 200,000 documents, 20,000 of them with the text of an
attached PDF, searched in-process through domain.documents.listing (what `bbt doc list
--search` runs). The texts are written straight into `document_text` (the index follows it
by its triggers): extracting 20,000 real PDFs would time pypdf, not the search.

    .venv/bin/python -m bench.search_bench [--scale 0.1] [--db URL]

Target (issue 14): every search answers in < 300 ms in-process.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, text

from bench import common

# Common words of the board's documents first, then made-up Vietnamese syllables: a
# vocabulary of a few thousand words drawn with Zipf frequencies, as real text is.
_COMMON_TEXT = ("nghị quyết chỉ thị kế hoạch báo cáo thông báo quyết định hướng dẫn công văn "
          "chuyển đổi số cải cách hành chính xây dựng đảng chỉnh đốn tuyên truyền giáo dục "
          "chính trị tư tưởng kinh tế xã hội quốc phòng an ninh biên giới nông thôn mới du lịch "
          "cà phê chè hạ tầng giao thông thủy lợi trường học trạm y tế thanh niên phụ nữ cựu "
          "chiến binh mặt trận tổ quốc đoàn kết dân tộc tôn giáo đất đai môi trường rừng "
          "phòng cháy chữa cháy dịch bệnh an toàn thực phẩm lao động việc làm")
COMMON = _COMMON_TEXT.split()
ONSETS = ("b", "c", "ch", "d", "đ", "g", "h", "kh", "l", "m", "n", "ng", "nh", "ph", "qu", "s",
          "t", "th", "tr", "v", "x")
RHYMES = ("a", "á", "à", "ả", "ã", "ạ", "ăn", "ắc", "âm", "ấp", "e", "é", "ê", "ến", "i", "ình",
          "o", "ó", "ô", "ốc", "ơ", "ới", "u", "ú", "ư", "ước", "ương", "yên", "oan", "uyết")
TYPES = ("NQ", "CT", "KH", "BC", "TB", "QĐ", "HD", "CV")
QUERIES = ("117", "chuyen doi so", "cai cach hanh chinh", "ha tang giao thong thuy loi",
           "117-BC/HU", "phong chay chua chay", "xyzzy khong co")
TARGET_MS = 300.0


def vocabulary() -> tuple[list[str], list[float]]:
    words = list(dict.fromkeys(COMMON + [o + r for o in ONSETS for r in RHYMES]))
    return words, [1 / (rank + 1) for rank in range(len(words))]


VOCABULARY, WEIGHTS = vocabulary()


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(VOCABULARY, WEIGHTS, k=n))


def build(url: str, documents: int, with_text: int, seed: int = 2022) -> None:
    from domain.db import get_engine
    from models import Document, DocumentText, Unit

    rng = random.Random(seed)
    engine = get_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        unit_id = conn.execute(insert(Unit).values(
            code="HU", name="Huyện ủy", kind="committee", created_at=now)
            .returning(Unit.id)).scalar_one()
    start = date(2015, 1, 1)
    batch: list[dict] = []
    seqs: dict[tuple[str, int], int] = {}
    for i in range(documents):
        day = start + timedelta(days=i * 3650 // documents)
        type_ = TYPES[i % len(TYPES)]
        seq = seqs[(type_, day.year)] = seqs.get((type_, day.year), 0) + 1
        title = _sentence(rng, 12).capitalize()
        batch.append({"number": f"{seq}-{type_}/HU", "seq": seq, "doc_type": type_,
                      "issuer_id": unit_id, "period": str(day.year), "date": day,
                      "place": "Bảo Lâm", "title": title, "title_search": "",
                      "urgency": "normal", "signer": "", "direction": "outgoing",
                      "created_at": now})
        if len(batch) == 5000 or i == documents - 1:
            with engine.begin() as conn:
                conn.execute(insert(Document), batch)
            batch = []
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM document ORDER BY id"))]
    chosen = rng.sample(ids, with_text)
    for offset in range(0, len(chosen), 2000):
        rows = [{"document_id": doc_id, "body": _sentence(rng, 600)}
                for doc_id in chosen[offset:offset + 2000]]
        with engine.begin() as conn:
            conn.execute(insert(DocumentText), rows)


def measure(url: str, repeat: int = 5) -> dict[str, float]:
    from domain import documents
    from domain.auth import Actor
    from domain.db import get_engine, transaction

    engine = get_engine(url)
    actor = Actor("admin", "admin")
    medians = {}
    for query in QUERIES:
        runs, cpu = [], []
        for _ in range(repeat):
            began, began_cpu = time.perf_counter(), time.process_time()
            with transaction(engine) as session:
                found = documents.listing(session, actor, documents.Filters(search=query),
                                          limit=500)
                documents.describe(session, actor, found)
            runs.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        medians[query] = statistics.median(runs)
        print(f"  {query!r:34} {len(found):4} shown  median {medians[query]:7.1f} ms  "
              f"best {min(runs):7.1f} ms  (CPU {statistics.median(cpu):6.1f} ms)", flush=True)
    return medians


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--db", help="a database URL (default: a new SQLite file in bench/out)")
    parser.add_argument("--reuse", action="store_true",
                        help="search the SQLite file an earlier run built (no rebuild)")
    args = parser.parse_args()
    documents, with_text = int(200_000 * args.scale), int(20_000 * args.scale)
    url = args.db
    path = common.OUT / f"search-{args.scale:g}.db"
    reuse = args.reuse and url is None and path.exists()
    if url is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            if not reuse:
                path.with_name(path.name + suffix).unlink(missing_ok=True)
        url = common.sqlite_url(path)
    if not reuse:
        began = time.perf_counter()
        build(url, documents, with_text)
        print(f"built {documents:,} documents, {with_text:,} with file text, in "
              f"{time.perf_counter() - began:.0f} s ({url.split(':', 1)[0]})")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times grow "
          "with it; the CPU times do not)")
    medians = measure(url)
    worst = max(medians.values())
    verdict = "OK" if worst < TARGET_MS else "MISSED"
    print(f"slowest search median {worst:.1f} ms (target < {TARGET_MS:.0f} ms): {verdict}")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
