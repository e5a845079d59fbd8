"""Alembic, imported only when a database is behind the newest schema or asked about."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

import migrations


def config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    return cfg


def head() -> str | None:
    return ScriptDirectory.from_config(config()).get_current_head()


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def drift(engine: Engine) -> list:
    """Differences between the live schema and the models (empty when in step)."""
    from alembic.autogenerate import compare_metadata
    from sqlmodel import SQLModel

    import models  # noqa: F401
    from models.search_index import include_name

    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": include_name})
        return compare_metadata(ctx, SQLModel.metadata)
