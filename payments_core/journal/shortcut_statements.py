"""The statements of the journal's shortcuts (:mod:`payments_core.journal.shortcuts`), built once.

Each is a SQLAlchemy Core statement compiled once per database and run with
parameters. The parameters are named ``p_...``, apart from the columns' own names
(SQLAlchemy keeps those for the values of an INSERT or UPDATE). On PostgreSQL the
update and its audit row are one statement: data-modifying CTEs, whose ``WHERE`` is
the general form's condition for the case the shortcut does, and the times one
statement writes come from one reading of the database's clock (``clock``). SQLite
has no data-modifying CTEs: there the update returns what its audit row needs
(``'now'`` is one value within a SQLite statement).
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import (
    Float,
    Integer,
    String,
    and_,
    bindparam,
    func,
    literal,
    null,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.expression import CTE, BindParameter, Select, Update

from payments_core.journal import schema
from payments_core.journal.database import db_now
from payments_core.journal.operations import OperationState

__all__ = [
    "INTENDED",
    "PG_ACQUIRE",
    "PG_CLAIM",
    "PG_FIRST_STATE",
    "PG_NEWER_STATE",
    "PG_SENDING",
    "PG_SUCCEEDED",
    "SENDING",
    "SQLITE_SENDING",
    "SQLITE_SUCCEEDED",
    "SUCCEEDED",
]

ops, payments, token_rows = schema.operations, schema.payments, schema.tokens
INTENDED: Final = OperationState.INTENDED.value
SENDING: Final = OperationState.SENDING.value
SUCCEEDED: Final = OperationState.SUCCEEDED.value


def _p(name: str, type_: Any = None) -> BindParameter[Any]:
    """A parameter; ``p_`` keeps its name apart from the columns'."""
    return bindparam(f"p_{name}", type_=String() if type_ is None else type_)


def _audited(source: CTE, **columns: Any) -> CTE:
    """The audit row (``events``) of what the data-modifying CTE ``source`` wrote."""
    row = {"at": db_now(), "gateway": _p("gateway"), "actor": _p("actor"), **columns}
    copy = select(*row.values()).select_from(source)
    return schema.events.insert().from_select(list(row), copy).cte(f"{source.name}_audited")


def _clock() -> tuple[CTE, Any]:
    """The database's clock, read once for every time one statement writes."""
    clock = select(db_now().label("now")).cte("clock")
    return clock, select(clock.c.now).scalar_subquery()


_CLOCK, _NOW = _clock()


# -- operations: claim a new key, mark it sending, record the answer ------------------


def _held(state: str) -> tuple[Any, ...]:
    """The key's row, while the caller's claim still holds it, in ``state``."""
    return (
        ops.c.gateway == _p("gateway"),
        ops.c.idempotency_key == _p("key"),
        ops.c.attempts == _p("fence", Integer()),
        ops.c.state == state,
    )


def _to_sending(now: Any) -> Update:
    """:func:`operations.sending` on an ``intended`` row."""
    return (
        update(ops)
        .where(*_held(INTENDED))
        .values(
            state=SENDING,
            lease_until=now + _p("lease", Float()),
            sent=func.coalesce(ops.c.sent, _p("sent")),
            version=ops.c.version + 1,
            updated_at=now,
        )
        .returning(ops.c.id, ops.c.payment_id)
    )


def _to_succeeded(now: Any) -> Update:
    """:func:`operations.succeeded` on a ``sending`` row (a NULL follow-up stays NULL)."""
    return (
        update(ops)
        .where(*_held(SENDING))
        .values(
            state=SUCCEEDED,
            flagged_at=null(),
            flag_reason=null(),
            outcome=_p("outcome"),
            outcome_status=_p("status"),
            lease_until=null(),
            sent=null(),
            next_check_at=now + _p("follow_up", Float()),
            payment_id=func.coalesce(ops.c.payment_id, _p("payment_id")),
            version=ops.c.version + 1,
            updated_at=now,
        )
        .returning(ops.c.id, ops.c.payment_id)
    )


def _moved_and_audited(moved: Update, before: str, after: str, **detail: Any) -> Select[Any]:
    """An operation row's move and its audit row, as one statement: the row's id."""
    moved_row = moved.cte("moved")
    audit_row = _audited(
        moved_row,
        kind=literal("operation"),
        action=literal(after),
        payment_id=moved_row.c.payment_id,
        operation_id=moved_row.c.id,
        idempotency_key=_p("key"),
        from_state=literal(before),
        to_state=literal(after),
        **detail,
    )
    return select(moved_row.c.id).add_cte(_CLOCK, moved_row, audit_row)


_CLAIM: Final = (
    postgresql.insert(ops)
    .values(
        gateway=_p("gateway"),
        idempotency_key=_p("key"),
        provider=_p("provider"),
        operation=_p("operation"),
        target=_p("payment_id"),
        payment_id=_p("payment_id"),
        amount=_p("amount"),
        digest=_p("digest"),
        external_id=_p("external_id"),
        request=_p("request"),
        state=INTENDED,
        attempts=1,
        checks=0,
        version=1,
        lease_until=db_now() + _p("lease", Float()),
        created_at=db_now(),
        updated_at=db_now(),
    )
    .on_conflict_do_nothing(index_elements=["gateway", "idempotency_key"])
    .returning(ops.c.id)
    .cte("claimed")
)
PG_CLAIM: Final = select(_CLAIM.c.id).add_cte(
    _audited(
        _CLAIM,
        kind=literal("operation"),
        action=literal("claimed"),
        payment_id=_p("payment_id"),
        operation_id=_CLAIM.c.id,
        idempotency_key=_p("key"),
        to_state=literal(INTENDED),
        detail=_p("detail"),
    )
)
PG_SENDING: Final = _moved_and_audited(_to_sending(_NOW), INTENDED, SENDING)
PG_SUCCEEDED: Final = _moved_and_audited(
    _to_succeeded(_NOW), SENDING, SUCCEEDED, detail=_p("detail")
)
SQLITE_SENDING: Final = _to_sending(db_now())  # 'now' is one value within a SQLite statement
SQLITE_SUCCEEDED: Final = _to_succeeded(db_now())


# -- tokens: take the lease (or find the token) in one statement ----------------------


def _acquire_statement() -> Select[Any]:
    """Take the lease when there is neither a usable token nor a live lease (making
    the scope's row, already leased, on its first use), and read the row as it was:
    what the general form decides on."""
    rows, now = token_rows, _NOW
    usable = and_(
        rows.c.token.is_not(None), rows.c.refresh_at.is_not(None), rows.c.refresh_at > now
    )
    leased = and_(rows.c.lease_until.is_not(None), rows.c.lease_until > now)
    taken = (
        update(rows)
        .where(rows.c.scope == _p("scope"), ~usable, ~leased)
        .values(generation=rows.c.generation + 1, lease_until=now + _p("lease", Float()))
        .returning(rows.c.generation)
        .cte("taken")
    )
    created = (
        postgresql.insert(rows)
        .values(scope=_p("scope"), generation=1, lease_until=now + _p("lease", Float()))
        .on_conflict_do_nothing(index_elements=["scope"])
        .returning(rows.c.generation)
        .cte("created")
    )
    seen = rows.alias("seen")  # as it was before this statement
    return select(
        func.coalesce(taken.c.generation, created.c.generation).label("taken"),
        seen.c.token,
        seen.c.refresh_at,
        seen.c.lease_until,
        _CLOCK.c.now,
    ).select_from(
        _CLOCK.outerjoin(seen, seen.c.scope == _p("scope"))
        .outerjoin(taken, true())
        .outerjoin(created, true())
    )


PG_ACQUIRE: Final = _acquire_statement()


# -- payment states: a first state in one statement, a newer one in two -------------

_STATE_COLUMNS: Final = (  # what states.columns_of fills: the payment, not its keys
    "provider",
    "external_id",
    "status",
    "amount",
    "captured",
    "refunded",
    "state",
    "source",
)


def _payment_audit(source: CTE, before: Any) -> CTE:
    """The audit row of a stored payment state, as :func:`states.offer` writes it."""
    return _audited(
        source,
        kind=literal("payment"),
        action=literal("updated"),
        payment_id=_p("payment_id"),
        from_state=before,
        to_state=_p("status"),
        detail=_p("detail"),
    )


def _stored_and(written: CTE) -> Select[Any]:
    """One row: the version ``written`` wrote (NULL if none), and the payment's row as
    it was before this statement (its state, version and status), if there was one."""
    seen = payments.alias("seen")
    found = and_(seen.c.gateway == _p("gateway"), seen.c.payment_id == _p("payment_id"))
    return select(
        written.c.version.label("written"), seen.c.state, seen.c.version, seen.c.status
    ).select_from(_CLOCK.outerjoin(written, true()).outerjoin(seen, found))


def _first_state() -> Select[Any]:
    """Insert a payment's first state (with its audit row), or read the stored one."""
    inserted = (
        postgresql.insert(payments)
        .values(
            gateway=_p("gateway"),
            payment_id=_p("payment_id"),
            version=1,
            callback_version=0,
            updated_at=db_now(),
            **{name: _p(name) for name in _STATE_COLUMNS},
        )
        .on_conflict_do_nothing(index_elements=["gateway", "payment_id"])
        .returning(payments.c.version)
        .cte("inserted")
    )
    return _stored_and(inserted).add_cte(_payment_audit(inserted, null()))


def _newer_state() -> Select[Any]:
    """Replace the state held at ``p_version`` (compare-and-set), with its audit row;
    or, when the row moved on since, read it."""
    moved = (
        update(payments)
        .where(
            payments.c.gateway == _p("gateway"),
            payments.c.payment_id == _p("payment_id"),
            payments.c.version == _p("version", Integer()),
        )
        .values(
            version=_p("version", Integer()) + 1,
            updated_at=db_now(),
            **{name: _p(name) for name in _STATE_COLUMNS},
        )
        .returning(payments.c.version)
        .cte("moved")
    )
    return _stored_and(moved).add_cte(_payment_audit(moved, _p("before")))


PG_FIRST_STATE: Final = _first_state()
PG_NEWER_STATE: Final = _newer_state()
