"""Digishare's list shape: ``data`` and ``meta.pagination``."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query

T = TypeVar("T")

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
    start = (params.page - 1) * params.per_page
    chunk = items[start : start + params.per_page]
    return {
        "data": [render(item) for item in chunk],
        "meta": {
            "pagination": {
                "total": len(items),
                "count": len(chunk),
                "per_page": params.per_page,
                "current_page": params.page,
                "total_pages": max(1, math.ceil(len(items) / params.per_page)),
            }
        },
    }
