"""The full-text index of documents: number, title and the text of their files.

Alembic autogenerates neither FTS5 virtual tables nor PostgreSQL trigger functions, so the
index is created here, on the `after_create` event of `document_text` (Alembic's
`op.create_table` fires it as `create_all` does): the initial migration, regenerated from the
models, keeps creating it. Its tables are named `document_fts*`; migrate.drift and the
Alembic environment leave them out of the comparison with the models (INDEX_PREFIX).

- SQLite: a contentless FTS5 table (rowid = document id) with the unicode61 tokenizer and
  remove_diacritics 2; "đ" is no diacritic for Unicode, so it is folded to "d" before
  indexing. Triggers on `document` and `document_text` keep it current, whoever writes.
- PostgreSQL: `document_fts(document_id, vector tsvector)` with a GIN index, filled by
  triggers with `to_tsvector('simple', unaccent(...))`, the number weighted A and the title B.
  Where the `unaccent` extension cannot be created, a translate() over the Vietnamese letters
  folds instead (the same result for Vietnamese text).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import Table, event, text

INDEX_PREFIX = "document_fts"
FOLD_D = "replace(replace({0}, 'đ', 'd'), 'Đ', 'D')"


def _accented_letters() -> tuple[str, str]:
    """Every precomposed Latin letter with its bare ASCII letter (for translate())."""
    source, target = ["đĐ"], ["dD"]
    for code in range(0xC0, 0x1EFA):
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0]
        if char != base and base.isascii() and base.isalpha():
            source.append(char)
            target.append(base)
    return "".join(source), "".join(target)


HEAD = f"{INDEX_PREFIX}_head"

_SQLITE = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {INDEX_PREFIX} USING fts5(
        number, title, body, content='', tokenize='unicode61 remove_diacritics 2')""",
    # Number and title alone, to rank the documents they match first (bm25 over the short
    # head is cheap; over 20,000 long file texts it is not).
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {HEAD} USING fts5(
        number, title, content='', tokenize='unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER IF NOT EXISTS {HEAD}_insert AFTER INSERT ON document BEGIN
        INSERT INTO {HEAD}(rowid, number, title) VALUES (new.id, {{number_new}}, {{title_new}});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {HEAD}_update AFTER UPDATE OF number, title ON document BEGIN
        INSERT INTO {HEAD}({HEAD}, rowid, number, title)
            VALUES ('delete', old.id, {{number_old}}, {{title_old}});
        INSERT INTO {HEAD}(rowid, number, title) VALUES (new.id, {{number_new}}, {{title_new}});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {HEAD}_delete AFTER DELETE ON document BEGIN
        INSERT INTO {HEAD}({HEAD}, rowid, number, title)
            VALUES ('delete', old.id, {{number_old}}, {{title_old}});
    END""",
    # The document's indexed values, for FTS5's 'delete' command (a contentless table must be
    # told exactly what it indexed).
    """CREATE TRIGGER IF NOT EXISTS document_fts_doc_insert AFTER INSERT ON document BEGIN
        INSERT INTO document_fts(rowid, number, title, body) VALUES (new.id, {number_new},
            {title_new}, coalesce((SELECT {body_doc} FROM document_text WHERE document_id = new.id), ''));
    END""",
    """CREATE TRIGGER IF NOT EXISTS document_fts_doc_update AFTER UPDATE OF number, title
    ON document BEGIN
        INSERT INTO document_fts(document_fts, rowid, number, title, body) VALUES ('delete',
            old.id, {number_old}, {title_old},
            coalesce((SELECT {body_doc} FROM document_text WHERE document_id = old.id), ''));
        INSERT INTO document_fts(rowid, number, title, body) VALUES (new.id, {number_new},
            {title_new}, coalesce((SELECT {body_doc} FROM document_text WHERE document_id = new.id), ''));
    END""",
    """CREATE TRIGGER IF NOT EXISTS document_fts_doc_delete AFTER DELETE ON document BEGIN
        INSERT INTO document_fts(document_fts, rowid, number, title, body) VALUES ('delete',
            old.id, {number_old}, {title_old},
            coalesce((SELECT {body_doc} FROM document_text WHERE document_id = old.id), ''));
    END""",
    """CREATE TRIGGER IF NOT EXISTS document_fts_text_insert AFTER INSERT ON document_text BEGIN
        INSERT INTO document_fts(document_fts, rowid, number, title, body)
            SELECT 'delete', id, {number_doc}, {title_doc}, '' FROM document WHERE id = new.document_id;
        INSERT INTO document_fts(rowid, number, title, body)
            SELECT id, {number_doc}, {title_doc}, {body_new} FROM document WHERE id = new.document_id;
    END""",
    """CREATE TRIGGER IF NOT EXISTS document_fts_text_update AFTER UPDATE OF body ON document_text
    BEGIN
        INSERT INTO document_fts(document_fts, rowid, number, title, body)
            SELECT 'delete', id, {number_doc}, {title_doc}, {body_old} FROM document
            WHERE id = old.document_id;
        INSERT INTO document_fts(rowid, number, title, body)
            SELECT id, {number_doc}, {title_doc}, {body_new} FROM document WHERE id = new.document_id;
    END""",
]


def _sqlite_statements() -> list[str]:
    folded = {f"{{{field}_{row}}}": FOLD_D.format(f"{prefix}{field}")
              for field in ("number", "title", "body")
              for row, prefix in (("new", "new."), ("old", "old."), ("doc", ""))}
    statements = []
    for statement in _SQLITE:
        for placeholder, sql in folded.items():
            statement = statement.replace(placeholder, sql)
        statements.append(statement)
    return statements


def _unaccent_schema(conn: Any) -> str | None:
    """The schema holding unaccent(), creating the extension if this role may."""
    try:
        with conn.begin_nested():
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public"))
    except Exception:  # not permitted (no superuser, not installed): fold with translate()
        pass
    return conn.execute(text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'unaccent'")).scalar()


def pg_fold_sql(conn: Any, expression: str) -> str:
    """SQL folding `expression` to lower-case unaccented text on this server."""
    schema = _unaccent_schema(conn)
    folded = FOLD_D.format(expression)
    if schema:
        plain = f'lower("{schema}".unaccent({folded}))'
    else:
        source, target = _accented_letters()
        plain = f"lower(translate({folded}, '{source}', '{target}'))"
    # Split on what is not a letter or digit, as FTS5 does ("117-BC/BBT" -> 117 bc bbt).
    return f"regexp_replace({plain}, '[^[:alnum:]]+', ' ', 'g')"


def _pg_statements(conn: Any) -> list[str]:
    def fold(expr: str) -> str:
        return pg_fold_sql(conn, expr)

    return [
        f"""CREATE TABLE IF NOT EXISTS {INDEX_PREFIX} (
            document_id integer PRIMARY KEY REFERENCES document(id) ON DELETE CASCADE,
            head tsvector NOT NULL,
            vector tsvector NOT NULL)""",
        f"CREATE INDEX IF NOT EXISTS {INDEX_PREFIX}_vector ON {INDEX_PREFIX} USING gin (vector)",
        f"""CREATE OR REPLACE FUNCTION document_fts_refresh(doc integer) RETURNS void AS $$
            INSERT INTO {INDEX_PREFIX} (document_id, head, vector)
            SELECT id, head, head || body FROM (
                SELECT d.id, setweight(to_tsvector('simple', {fold('d.number')}), 'A')
                    || setweight(to_tsvector('simple', {fold('d.title')}), 'B') AS head,
                    to_tsvector('simple', {fold("coalesce(t.body, '')")}) AS body
                FROM document d LEFT JOIN document_text t ON t.document_id = d.id
                WHERE d.id = doc) AS parts
            ON CONFLICT (document_id) DO UPDATE SET head = EXCLUDED.head,
                vector = EXCLUDED.vector
        $$ LANGUAGE sql""",
        """CREATE OR REPLACE FUNCTION document_fts_doc_trigger() RETURNS trigger AS $$
        BEGIN
            PERFORM document_fts_refresh(NEW.id);
            RETURN NEW;
        END $$ LANGUAGE plpgsql""",
        """CREATE OR REPLACE FUNCTION document_fts_text_trigger() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                PERFORM document_fts_refresh(OLD.document_id);
                RETURN OLD;
            END IF;
            PERFORM document_fts_refresh(NEW.document_id);
            RETURN NEW;
        END $$ LANGUAGE plpgsql""",
        """CREATE OR REPLACE TRIGGER document_fts_doc AFTER INSERT OR UPDATE OF number, title
            ON document FOR EACH ROW EXECUTE FUNCTION document_fts_doc_trigger()""",
        """CREATE OR REPLACE TRIGGER document_fts_text AFTER INSERT OR UPDATE OR DELETE
            ON document_text FOR EACH ROW EXECUTE FUNCTION document_fts_text_trigger()""",
    ]


def create(conn: Any) -> None:
    statements = (_sqlite_statements() if conn.dialect.name == "sqlite"
                  else _pg_statements(conn))
    for statement in statements:
        conn.execute(text(statement))


@event.listens_for(Table, "after_create")
def _after_create(table: Table, connection: Any, **_kw: Any) -> None:
    if table.name == "document_text":
        create(connection)


def include_name(name: str | None, type_: str, _parents: Any = None) -> bool:
    """For Alembic's comparison: the index is not a model (see the module's docstring)."""
    return not (name or "").startswith(INDEX_PREFIX)
