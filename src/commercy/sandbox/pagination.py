"""Digishare's list shape: ``data`` and ``meta.pagination``."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query

from commercy.sandbox.store import Record, Store

T = TypeVar("T")
R = TypeVar("R", bound=Record)

MAX_PER_PAGE = 100


@dataclass(frozen=True, slots=True)
class PageParams:
    page: int
    per_page: int


def _page_params(
    page: Annotated[int, Query(ge=1, description="1-based page number")] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Page size")] = 15,
) -> PageParams:
    return PageParams(page=page, per_page=per_page)


PageDep = Annotated[PageParams, Depends(_page_params)]


def paginate(
    items: Sequence[T], params: PageParams, render: Callable[[T], dict[str, Any]]
) -> dict[str, Any]:
    """One page of a list held in memory."""
    start = (params.page - 1) * params.per_page
    chunk = items[start : start + params.per_page]
    return _page([render(item) for item in chunk], total=len(items), params=params)


def page_of(
    store: Store,
    kind: type[R],
    params: PageParams,
    *,
    render: Callable[[R], dict[str, Any]],
    where: str = "1",
    args: Sequence[Any] = (),
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
            limit=params.per_page,
            offset=(params.page - 1) * params.per_page,
        )
    return _page([render(item) for item in chunk], total=total, params=params)


def _page(data: list[dict[str, Any]], *, total: int, params: PageParams) -> dict[str, Any]:
    return {
        "data": data,
        "meta": {
            "pagination": {
                "total": total,
                "count": len(data),
                "per_page": params.per_page,
                "current_page": params.page,
                "total_pages": max(1, math.ceil(total / params.per_page)),
            }
        },
    }
