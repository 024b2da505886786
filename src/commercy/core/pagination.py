"""Page parameters shared by every list endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query
from sqlalchemy import Select, func
from sqlalchemy.ext.asyncio import AsyncSession

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


async def paginate_mappings(
    session: AsyncSession, statement: Select[Any], *, page: Page
) -> tuple[list[dict[str, Any]], int]:
    """:func:`paginate` for a statement of columns: each row as a dict of column values."""
    total = await _count(session, statement)
    rows = await session.execute(page_of(statement, page))
    keys = tuple(rows.keys())
    return [dict(zip(keys, row, strict=True)) for row in rows], total


def page_of(statement: Select[Any], page: Page) -> Select[Any]:
    return statement.limit(page.limit).offset(page.offset)


def count_of(statement: Select[Any]) -> Select[Any]:
    """`SELECT count(*) FROM ... WHERE ...`, not a count over a subquery of every column:
    cheaper to build and to plan. Right for the plain filtered selects listed here (no
    DISTINCT, GROUP BY or LIMIT, which would need the subquery)."""
    return statement.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)


async def _count(session: AsyncSession, statement: Select[Any]) -> int:
    return await session.scalar(count_of(statement)) or 0
