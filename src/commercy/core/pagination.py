"""Page parameters shared by every list endpoint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query
from sqlalchemy import Integer, Select, bindparam, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.core.database import Precompiled

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
    """A select of columns as the statements of a page, every value a named parameter, built
    and compiled once (see :class:`Precompiled`): the count, or the count up to a limit, and
    the rows."""

    count: Precompiled
    capped_count: Precompiled
    rows: Precompiled

    @classmethod
    def of(cls, statement: Select[Any]) -> PageQuery:
        limit, offset = (
            bindparam("page_limit", type_=Integer),
            bindparam("page_offset", type_=Integer),
        )
        return cls(
            count=Precompiled(count_of(statement)),
            capped_count=Precompiled(capped_count_of(statement)),
            rows=Precompiled(statement.limit(limit).offset(offset)),
        )


async def fetch_page(
    session: AsyncSession,
    query: PageQuery,
    params: Mapping[str, Any],
    *,
    page: Page,
    count_up_to: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of ``query``'s rows, each a dict of column values, and the count of them all;
    with ``count_up_to``, the count stops there (a count of ``count_up_to`` means at least).
    A page shorter than asked (and not past the end) tells the count itself: no statement."""
    values = {**params, "page_limit": page.limit, "page_offset": page.offset}
    rows = await query.rows.rows(session, values)
    if len(rows) < page.limit and (rows or page.offset == 0):
        total = page.offset + len(rows)
        return rows, total if count_up_to is None else min(total, count_up_to)
    if count_up_to is None:
        total = await query.count.scalar(session, params) or 0
    else:
        capped = {**params, "count_limit": count_up_to}
        total = await query.capped_count.scalar(session, capped) or 0
    return rows, total


def page_of(statement: Select[Any], page: Page) -> Select[Any]:
    return statement.limit(page.limit).offset(page.offset)


def count_of(statement: Select[Any]) -> Select[Any]:
    """`SELECT count(*) FROM ... WHERE ...`, not a count over a subquery of every column:
    cheaper to build and to plan. Right for the plain filtered selects listed here (no
    DISTINCT, GROUP BY or LIMIT, which would need the subquery)."""
    return statement.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)


def capped_count_of(statement: Select[Any]) -> Select[Any]:
    """`SELECT count(*) FROM (SELECT 1 FROM ... WHERE ... LIMIT :count_limit)`: the count of
    a list too long to count whole, which reads no further than the limit."""
    first = (
        statement.with_only_columns(literal(1), maintain_column_froms=True)
        .order_by(None)
        .limit(bindparam("count_limit", type_=Integer))
    )
    return select(func.count()).select_from(first.subquery())


async def _count(session: AsyncSession, statement: Select[Any]) -> int:
    return await session.scalar(count_of(statement)) or 0
