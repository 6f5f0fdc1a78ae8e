"""The journal's schema: created, checked and migrated beside a host application's tables."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from payments_core import ConfigurationError
from payments_core.journal import Journal, migrations
from payments_core.journal import schema as journal_schema
from tests.journal.conftest import JournalDatabase
from tests.journal.support import (
    JOURNAL_TABLES,
    migrated,
    rows_of,
    set_schema_version,
    table_names,
)

CURRENT = migrations.CURRENT

probe = sa.Table(
    "payments_journal_next_release_probe",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
)


def _next_release_step(connection: sa.Connection) -> None:
    probe.create(connection)


@pytest.fixture
def upgrade(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """``upgrade()``: from then on payments-core is its next release, with one more
    schema step than this one; returns that release's schema version."""

    def to_next_release() -> int:
        monkeypatch.setattr(migrations, "STEPS", (*migrations.STEPS, _next_release_step))
        monkeypatch.setattr(migrations, "CURRENT", CURRENT + 1)
        return CURRENT + 1

    return to_next_release


@pytest.fixture
def host_tables(journal_url: str) -> str:
    """The host application's own tables already in the database, each with a row."""
    engine = sa.create_engine(journal_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("create table orders (id integer primary key, note text)"))
            connection.execute(sa.text("insert into orders values (1, 'the shop''s order')"))
            connection.execute(sa.text("create table alembic_version (version_num text)"))
            connection.execute(sa.text("insert into alembic_version values ('abc123')"))
    finally:
        engine.dispose()
    return journal_url


@pytest.mark.parametrize("database", ["sqlite"])
def test_a_fresh_sqlite_file_is_created_and_migrated_on_first_use(
    journal_database: JournalDatabase,
) -> None:
    path = journal_database.path
    assert path is not None
    assert not path.exists()
    journal = Journal(journal_database.url)
    try:
        assert journal.payment("default", "nothing-yet") is None
        assert journal.schema_version() == CURRENT
    finally:
        journal.close()
    assert path.is_file()
    assert table_names(journal_database.url) >= JOURNAL_TABLES


@pytest.mark.parametrize("database", ["sqlite"])
def test_a_sqlite_journal_told_not_to_create_refuses_a_file_without_one(
    journal_database: JournalDatabase,
) -> None:
    journal = Journal(journal_database.url, create=False)
    try:
        with pytest.raises(ConfigurationError, match="payments journal migrate"):
            journal.payment("default", "nothing-yet")
    finally:
        journal.close()


@pytest.mark.parametrize("database", ["postgresql"])
def test_postgresql_without_migrate_is_refused_naming_the_migrate_command(
    journal_url: str,
) -> None:
    journal = Journal(journal_url)
    try:
        with pytest.raises(ConfigurationError, match="`payments journal migrate`"):
            journal.payment("default", "nothing-yet")
    finally:
        journal.close()
    assert table_names(journal_url) == set()  # nothing was created behind the operator's back


def test_migrate_twice_changes_nothing_the_second_time(journal_url: str) -> None:
    journal = Journal(journal_url)
    try:
        assert journal.migrate() == (0, CURRENT)
        tables = table_names(journal_url)
        assert journal.migrate() == (CURRENT, CURRENT)
        assert journal.schema_version() == CURRENT
    finally:
        journal.close()
    assert table_names(journal_url) == tables
    assert len(rows_of(journal_url, ["payments_journal_version"])["payments_journal_version"]) == 1


def test_a_database_an_older_release_migrated_is_refused_naming_the_migrate_command(
    journal_url: str, upgrade: Callable[[], int]
) -> None:
    migrated(journal_url)
    next_release = upgrade()
    journal = Journal(journal_url)
    try:
        with pytest.raises(ConfigurationError) as refused:
            journal.check()
    finally:
        journal.close()
    assert "`payments journal migrate`" in refused.value.message
    assert f"schema version {next_release - 1}" in refused.value.message


def test_migrate_brings_an_older_database_to_this_version(
    journal_url: str, upgrade: Callable[[], int]
) -> None:
    migrated(journal_url)
    next_release = upgrade()
    journal = Journal(journal_url)
    try:
        assert journal.migrate() == (next_release - 1, next_release)
        journal.check()
        assert journal.schema_version() == next_release
    finally:
        journal.close()
    assert probe.name in table_names(journal_url)


def test_a_version_row_behind_this_release_is_refused_naming_the_migrate_command(
    journal_url: str,
) -> None:
    """The version row says 0, older than any release: the schema must be migrated."""
    set_schema_version(migrated(journal_url), 0)
    journal = Journal(journal_url)
    try:
        with pytest.raises(ConfigurationError, match="`payments journal migrate`"):
            journal.check()
    finally:
        journal.close()


def test_migrate_brings_a_version_row_behind_this_release_forward(journal_url: str) -> None:
    set_schema_version(migrated(journal_url), 0)
    journal = Journal(journal_url)
    try:
        assert journal.migrate() == (0, CURRENT)
        assert journal.schema_version() == CURRENT
    finally:
        journal.close()


def test_a_database_a_newer_release_migrated_is_refused_saying_to_upgrade(
    journal_url: str,
) -> None:
    set_schema_version(migrated(journal_url), CURRENT + 1)
    journal = Journal(journal_url)
    try:
        with pytest.raises(ConfigurationError, match="upgrade payments-core"):
            journal.payment("default", "anything")
    finally:
        journal.close()


def test_migrate_never_takes_a_newer_database_back(journal_url: str) -> None:
    set_schema_version(migrated(journal_url), CURRENT + 1)
    journal = Journal(journal_url)
    try:
        with pytest.raises(ConfigurationError, match="upgrade payments-core"):
            journal.migrate()
    finally:
        journal.close()
    assert rows_of(journal_url, ["payments_journal_version"])["payments_journal_version"][
        0
    ].startswith(f"1 {CURRENT + 1} ")


def test_every_journal_table_starts_with_its_prefix_and_the_hosts_tables_stay_as_they_were(
    host_tables: str,
) -> None:
    before = rows_of(host_tables, ["orders", "alembic_version"])
    migrated(host_tables)
    tables = table_names(host_tables)
    assert tables - {"orders", "alembic_version"} == JOURNAL_TABLES
    assert all(name.startswith("payments_journal_") for name in JOURNAL_TABLES)
    assert rows_of(host_tables, ["orders", "alembic_version"]) == before


def test_the_journal_keeps_its_version_in_a_table_of_its_own(host_tables: str) -> None:
    migrated(host_tables)
    assert journal_schema.version.name == "payments_journal_version"
    version_rows = rows_of(host_tables, ["payments_journal_version"])["payments_journal_version"]
    assert [row.split()[:2] for row in version_rows] == [["1", str(CURRENT)]]
    assert rows_of(host_tables, ["alembic_version"]) == {"alembic_version": ["abc123"]}
