"""The web app, a FastAPI application of its own mounted at /app/: its errors are pages, not
the API's JSON, while it shares the API's database, settings and login budgets."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from commercy.core.database import Database
from commercy.core.errors import CommercyError, describe_validation_errors, retry_after_seconds
from commercy.core.ratelimit import RateLimits
from commercy.core.settings import Settings
from commercy.web import admin, calls, dashboard, forms, reseller_settings, supplier
from commercy.web.dependencies import CsrfRefused, SignInRequired
from commercy.web.endpoints import router
from commercy.web.i18n import TEMPLATES_DIR
from commercy.web.pages import render

logger = logging.getLogger("commercy.web")

PREFIX = "/app"
STATIC_DIR = TEMPLATES_DIR.parent / "static"


class CachedStaticFiles(StaticFiles):
    """The stylesheet and htmx: cacheable for an hour (the pages themselves are ``no-store``)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=3600"
        return response


def create_web_app(*, settings: Settings, database: Database, rate_limits: RateLimits) -> FastAPI:
    web = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    web.state.settings = settings
    web.state.database = database
    web.state.rate_limits = rate_limits
    web.mount("/static", CachedStaticFiles(directory=STATIC_DIR), name="static")
    web.include_router(router)
    web.include_router(supplier.router)
    web.include_router(dashboard.router)
    web.include_router(calls.router)
    web.include_router(admin.router)
    web.include_router(reseller_settings.router)
    _install_error_pages(web)
    return web


def _install_error_pages(web: FastAPI) -> None:
    @web.exception_handler(SignInRequired)
    async def sign_in(request: Request, exc: SignInRequired) -> Response:
        target = f"{PREFIX}/login"
        if request.method == "GET" and request.url.path != f"{PREFIX}/":
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            target = f"{target}?next={_quoted(path)}"
        if request.headers.get("HX-Request"):
            # htmx would swap the sign-in page into the table: have it load the page instead.
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @web.exception_handler(CsrfRefused)
    async def csrf(request: Request, exc: CsrfRefused) -> Response:
        return render(request, "error.html", user=None, status_code=403, reason="csrf")

    @web.exception_handler(CommercyError)
    async def domain_error(request: Request, exc: CommercyError) -> Response:
        shown = forms.refusal(request, exc)
        field, text = next(iter(shown.errors.items()), (None, None))
        return render(
            request,
            "error.html",
            user=None,
            status_code=exc.status_code,
            message=shown.message,
            problem={"field": field, "message": text} if field else None,
            headers=exc.headers,
        )

    @web.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problem = describe_validation_errors(list(exc.errors()))
        return render(request, "error.html", user=None, status_code=400, problem=problem)

    @web.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return render(request, "error.html", user=None, status_code=exc.status_code)

    async def database_error(request: Request, exc: Exception) -> Response:
        """A busy or unavailable database: a page saying to try again in a moment."""
        seconds = retry_after_seconds(exc)
        if seconds is None:
            return await broken(request, exc)
        logger.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return render(
            request,
            "error.html",
            user=None,
            status_code=503,
            reason="unavailable",
            headers={"Retry-After": str(seconds)},
        )

    for kind in (PoolTimeout, DBAPIError, ConnectionError):
        web.add_exception_handler(kind, database_error)

    @web.exception_handler(Exception)
    async def broken(request: Request, exc: Exception) -> Response:
        # The error goes on up to the API app around this one, which logs it once.
        request_id = getattr(request.state, "request_id", None)
        return render(
            request,
            "error.html",
            user=None,
            status_code=500,
            reason="broken",
            request_id=request_id,
        )


def _quoted(path: str) -> str:
    return quote(path, safe="/")
