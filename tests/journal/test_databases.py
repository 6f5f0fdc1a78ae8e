"""The journal suite's databases answer: SQLite in a file, PostgreSQL on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine


def test_the_database_answers(journal_url: str, database: str, journal_database: Any) -> None:
    engine = sa.create_engine(journal_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("select 1")).scalar_one() == 1
            dialect = connection.dialect.name
    finally:
        engine.dispose()

    assert dialect == database
    if database == "sqlite":
        path: Path = journal_database.path
        assert journal_url == f"sqlite:///{path}"
        assert path.is_file()  # a file on disk, not :memory:
    else:
        assert journal_url.startswith("postgresql+psycopg://")
        assert journal_database.plain_url.startswith("postgresql://")
        assert urlsplit(journal_url).hostname == "127.0.0.1"  # the throwaway server on loopback


async def test_the_database_answers_async(journal_database: Any) -> None:
    engine = create_async_engine(journal_database.async_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(sa.text("select current_timestamp"))
            assert result.scalar_one() is not None
    finally:
        await engine.dispose()


@pytest.mark.parametrize("attempt", [1, 2])
def test_every_test_gets_an_empty_database(journal_url: str, attempt: int) -> None:
    """The second attempt would see the first one's table if databases were shared."""
    engine = sa.create_engine(journal_url)
    try:
        assert sa.inspect(engine).get_table_names() == []
        with engine.begin() as connection:
            connection.execute(sa.text("create table leftover (id integer primary key)"))
    finally:
        engine.dispose()
