"""The page: every conversation as a WhatsApp chat, with the customer's buttons."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


@cache
def _page() -> str:
    return files("commercy.sandbox").joinpath("static/page.html").read_text(encoding="utf-8")


@router.get("/")
async def page() -> HTMLResponse:
    return HTMLResponse(_page())
