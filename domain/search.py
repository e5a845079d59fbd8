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
    """(document_id, rank) of the matching documents; a lower rank is a better match."""
    if dialect == "sqlite":
        # bm25 weights: a hit in the number counts most, then the title, then the body.
        sql = ("SELECT rowid AS document_id, bm25(document_fts, 10.0, 4.0, 1.0) AS rank "
               "FROM document_fts WHERE document_fts MATCH :match")
        match = " ".join(f'"{t}"' for t in terms)
    else:
        sql = ("SELECT document_id, -ts_rank(vector, to_tsquery('simple', :match)) AS rank "
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
