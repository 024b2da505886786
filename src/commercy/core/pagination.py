"""Page parameters shared by every list endpoint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Query
from sqlalchemy import Integer, Select, bindparam, func
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.compiler import SQLCompiler

from commercy.core.database import asyncpg_connection

MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Page:
    page: int
    limit: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


# async, like every cheap dependency: a sync one would hop to the thread pool on each call.
async def page_params(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="1-based page number")] = 1,
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"Page size, at most {MAX_PAGE_SIZE}")
    ] = 10,
) -> Page:
    return Page(page=page, limit=limit)


PageDep = Annotated[Page, Depends(page_params)]


async def paginate(
    session: AsyncSession, statement: Select[Any], *, page: Page
) -> tuple[Sequence[Any], int]:
    """One page of a statement's rows and the total count of them."""
    total = await _count(session, statement)
    rows = await session.scalars(page_of(statement, page))
    return rows.all(), total


@dataclass(frozen=True, slots=True)
class PageQuery:
    """A select of columns as the two statements of a page, every value a named parameter.
    Built once per shape of a list, it also keeps their SQL compiled once per dialect."""

    count: Select[Any]
    rows: Select[Any]
    _compiled: dict[str, tuple[SQLCompiler, SQLCompiler]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def of(cls, statement: Select[Any]) -> PageQuery:
        limit, offset = (
            bindparam("page_limit", type_=Integer),
            bindparam("page_offset", type_=Integer),
        )
        rows = statement.limit(limit).offset(offset)
        return cls(count=count_of(statement), rows=rows)

    def compiled(self, dialect: Dialect) -> tuple[SQLCompiler, SQLCompiler]:
        """The count's and the rows' SQL for ``dialect``; an ``IN`` list renders per call."""
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = (
                _compile(self.count, dialect),
                _compile(self.rows, dialect),
            )
        return compiled


def _compile(statement: Select[Any], dialect: Dialect) -> SQLCompiler:
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    return compiled


async def fetch_page(
    session: AsyncSession, query: PageQuery, params: Mapping[str, Any], *, page: Page
) -> tuple[list[dict[str, Any]], int]:
    """One page of ``query``'s rows, each a dict of column values, and the count of them all."""
    values = {**params, "page_limit": page.limit, "page_offset": page.offset}
    driver = await asyncpg_connection(session)
    if driver is not None:
        return await _fetch_page_asyncpg(driver, session, query, params, values)
    total = await session.scalar(query.count, params) or 0
    rows = await session.execute(query.rows, values)
    keys = tuple(rows.keys())
    return [dict(zip(keys, row, strict=True)) for row in rows], total


async def _fetch_page_asyncpg(
    driver: asyncpg.Connection,
    session: AsyncSession,
    query: PageQuery,
    params: Mapping[str, Any],
    values: Mapping[str, Any],
) -> tuple[list[dict[str, Any]], int]:
    """:func:`fetch_page` on the session's own asyncpg connection, with the SQL compiled once:
    SQLAlchemy's execution and result layers cost more than the two queries themselves on a
    list page (measured in bench/RESULTS.md). The values need no conversion on the way: they
    are ints, strings, string enums and aware datetimes, which asyncpg sends as they are."""
    count, rows = query.compiled(session.get_bind().dialect)
    counted = count.construct_expanded_state(dict(params))
    page = rows.construct_expanded_state(dict(values))
    total = await driver.fetchval(counted.statement, *counted.positional_parameters)
    records = await driver.fetch(page.statement, *page.positional_parameters)
    return [dict(record) for record in records], total or 0


def page_of(statement: Select[Any], page: Page) -> Select[Any]:
    return statement.limit(page.limit).offset(page.offset)


def count_of(statement: Select[Any]) -> Select[Any]:
    """`SELECT count(*) FROM ... WHERE ...`, not a count over a subquery of every column:
    cheaper to build and to plan. Right for the plain filtered selects listed here (no
    DISTINCT, GROUP BY or LIMIT, which would need the subquery)."""
    return statement.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)


async def _count(session: AsyncSession, statement: Select[Any]) -> int:
    return await session.scalar(count_of(statement)) or 0
