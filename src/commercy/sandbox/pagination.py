"""Digishare's list shape: ``data``, and ``meta`` with the page's numbers."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query

from commercy.sandbox.store import Record, Store

T = TypeVar("T")
R = TypeVar("R", bound=Record)

MAX_LIMIT = 100
DEFAULT_LIMIT = 25


@dataclass(frozen=True, slots=True)
class PageParams:
    page: int
    limit: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


def _page_params(
    page: Annotated[int, Query(ge=1, description="Page number, from 1")] = 1,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Items per page, 1 to 100")
    ] = DEFAULT_LIMIT,
) -> PageParams:
    return PageParams(page=page, limit=limit)


PageDep = Annotated[PageParams, Depends(_page_params)]


def paginate(
    items: Sequence[T], params: PageParams, render: Callable[[T], dict[str, Any]]
) -> dict[str, Any]:
    """One page of a list held in memory."""
    chunk = items[params.offset : params.offset + params.limit]
    return _page([render(item) for item in chunk], total=len(items), params=params)


def page_of(
    store: Store,
    kind: type[R],
    params: PageParams,
    *,
    render: Callable[[R], dict[str, Any]],
    where: str = "1",
    args: Mapping[str, Any] | None = None,
    order: str = "seq DESC",
) -> dict[str, Any]:
    """One page of the stored records matching ``where``, in ``order``."""
    with store.read():
        total = store.count(kind, where, args)
        chunk = store.select(
            kind,
            where,
            args,
            order=order,
            limit=params.limit,
            offset=params.offset,
        )
    return _page([render(item) for item in chunk], total=total, params=params)


def _page(data: list[dict[str, Any]], *, total: int, params: PageParams) -> dict[str, Any]:
    return {
        "data": data,
        "meta": {
            "total": total,
            "count": len(data),
            "per_page": params.limit,
            "current_page": params.page,
            "total_pages": max(1, math.ceil(total / params.limit)),
        },
    }
