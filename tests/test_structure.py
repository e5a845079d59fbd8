"""Guard rails: layering, lazy imports, and migrations that match the models exactly."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parent.parent
UI_LIBRARIES = {"textual", "typer", "rich", "click", "textual_serve"}


def imported_modules(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {(str(path.relative_to(ROOT)), a.name) for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add((str(path.relative_to(ROOT)), node.module))
    return found


@pytest.mark.parametrize("package", ["models", "domain"])
def test_domain_and_models_import_no_ui_library(package: str) -> None:
    offenders = {(f, m) for f, m in imported_modules(package) if m.split(".")[0] in UI_LIBRARIES}
    assert not offenders


def test_domain_never_imports_the_front_ends() -> None:
    offenders = {(f, m) for f, m in imported_modules("domain")
                 if m.split(".")[0] in {"commands", "bbt_tui"}}
    assert not offenders


def test_tui_never_imports_commands() -> None:
    assert not {(f, m) for f, m in imported_modules("bbt_tui") if m.split(".")[0] == "commands"}


def test_domain_really_loads_without_ui_libraries() -> None:
    code = ("import sys, domain.db, domain.units, domain.accounts, domain.audit;"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            f"{sorted(UI_LIBRARIES)!r}); print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_help_imports_no_sqlalchemy_textual_or_alembic() -> None:
    code = ("import sys; sys.argv=['bbt','--help'];\n"
            "from commands.main import app\n"
            "try:\n app()\nexcept SystemExit: pass\n"
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
            "{'sqlalchemy','textual','alembic','sqlmodel'})\n"
            "sys.stderr.write(repr(heavy)); sys.exit(1 if heavy else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_head_constant_matches_alembic() -> None:
    from domain import db, migrate

    assert migrate.head() == db.HEAD_REVISION


def test_opening_an_up_to_date_database_does_not_import_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    from domain.db import dispose_all, get_engine

    get_engine(url)
    dispose_all()
    code = (f"import sys; from domain.db import get_engine; get_engine({url!r});"
            "sys.exit(1 if 'alembic' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def test_migrations_produce_exactly_the_models_schema(db_url: str) -> None:
    from domain import db, migrate

    engine = db.get_engine(db_url)
    assert db.current_revision(engine) == db.HEAD_REVISION
    assert migrate.drift(engine) == []


def test_sqlite_pragmas(tmp_path: Path) -> None:
    from domain.db import dispose_all, get_engine

    engine = get_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    dispose_all()


def test_old_database_is_upgraded_on_first_use(tmp_path: Path) -> None:
    """A database left at an older revision (here: none) is brought to head when opened."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    create_engine(url).connect().close()  # an empty file, as an old install would leave
    from domain.db import HEAD_REVISION, current_revision, dispose_all, get_engine

    assert current_revision(get_engine(url)) == HEAD_REVISION
    dispose_all()
