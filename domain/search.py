"""Full-text search over documents: number, title and the text of their files, accents
ignored, best matches first. The index is models/search_index.py (SQLite FTS5, PostgreSQL
tsvector + GIN); this module turns the user's words into a query of it.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Float, Integer, false, text
from sqlmodel import Session, col

from domain.text import fold
from models import Document

_WORD = re.compile(r"\w+")
MAX_WORDS = 20


def words(query: str) -> list[str]:
    """The query's words, folded as the index folds them ("117-BC/BBT" -> 117, bc, bbt)."""
    return _WORD.findall(fold(query).replace("_", " "))[:MAX_WORDS]


def _hits(dialect: str, terms: list[str]) -> Any:
    """(document_id, rank) of the documents matching every word; a lower rank is better.

    Documents whose number and title hold the words come first, ranked among themselves
    (bm25 / ts_rank, the number weighted above the title); documents found through their
    files' text follow with rank 0, newest first (the listing's order). Ranking every body
    match would cost more than the search itself on a province's 20,000 file texts.
    """
    if dialect == "sqlite":
        sql = ("SELECT f.rowid AS document_id, coalesce(h.rank, 0.0) AS rank "
               "FROM (SELECT rowid FROM document_fts WHERE document_fts MATCH :match) AS f "
               "LEFT JOIN (SELECT rowid, bm25(document_fts_head, 10.0, 4.0) AS rank "
               "FROM document_fts_head WHERE document_fts_head MATCH :match) AS h "
               "ON h.rowid = f.rowid")
        match = " ".join(f'"{t}"' for t in terms)
    else:
        sql = ("SELECT document_id, CASE WHEN head @@ to_tsquery('simple', :match) "
               "THEN -ts_rank(head, to_tsquery('simple', :match)) ELSE 0 END AS rank "
               "FROM document_fts WHERE vector @@ to_tsquery('simple', :match)")
        match = " & ".join(terms)
    return (text(sql).bindparams(match=match)
            .columns(document_id=Integer, rank=Float).subquery("hits"))


def restrict(session: Session, query: Any, words_text: str) -> Any:
    """The query limited to documents matching every word, best matches first."""
    terms = words(words_text)
    if not terms:
        return query.where(false())
    bind = session.get_bind()
    hits = _hits(bind.dialect.name, terms)
    return query.join(hits, hits.c.document_id == col(Document.id)).order_by(hits.c.rank)
