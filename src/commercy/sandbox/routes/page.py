"""The page: every conversation as a WhatsApp chat, with the customer's buttons.

The page itself holds no data and needs no token; its script calls the controls with the token
it reads from the link's fragment (``#token=...``, which browsers never send to the server) or
asks the person for.
"""

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
