"""Rendering a page: the template of the user's language, with the layout's context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from commercy.auth.actor import Actor
from commercy.auth.models import Role
from commercy.core.settings import Settings
from commercy.orders.models import OrderSource, OrderStatus
from commercy.web.dependencies import (
    ANONYMOUS_CSRF_COOKIE,
    LANGUAGE_COOKIE,
    set_cookie,
)
from commercy.web.i18n import N_, Formats, environment, language_of
from commercy.web.sessions import SignedIn, new_token

STATUS_LABELS = {
    OrderStatus.PENDING: N_("Pending"),
    OrderStatus.NOT_REACHED: N_("Not reached"),
    OrderStatus.PHONE_CLOSED: N_("Phone closed"),
    OrderStatus.RAPPORTED: N_("Call back later"),
    OrderStatus.MORE_INFORMATION: N_("More information"),
    OrderStatus.NOT_AVAILABLE: N_("Not available"),
    OrderStatus.CONFIRMED: N_("Confirmed"),
    OrderStatus.CANCELED: N_("Canceled"),
    OrderStatus.ABANDONED: N_("Abandoned"),
    OrderStatus.NOT_INTERESTED: N_("Not interested"),
    OrderStatus.SHIPPED: N_("Shipped"),
    OrderStatus.DELIVERED: N_("Delivered"),
    OrderStatus.RETURNED: N_("Returned"),
}
SOURCE_LABELS = {
    OrderSource.MANUAL: N_("Manual"),
    OrderSource.SCRAPED: N_("Scraped"),
    OrderSource.API: N_("API"),
    OrderSource.CONVERTY: "Converty",
    OrderSource.PHONE_CALL: N_("Phone call"),
    OrderSource.WHATSAPP: "WhatsApp",
    OrderSource.FACEBOOK_PAGE: N_("Facebook page"),
    OrderSource.INSTAGRAM: "Instagram",
    OrderSource.SUR_PLACE: N_("In store"),
    OrderSource.TIKTOK: "TikTok",
    OrderSource.SITE_WEB: N_("Website"),
    OrderSource.AUTRE: N_("Other"),
}
ROLE_LABELS = {
    Role.ADMIN: N_("Admin"),
    Role.SUPPLIER: N_("Supplier"),
    Role.RESELLER: N_("Reseller"),
    Role.AGENT: N_("Agent"),
}


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    path: str
    roles: frozenset[Role]


EVERYONE = frozenset(Role)
SUPPLIERS = frozenset({Role.SUPPLIER})
# The screens each role sees, in the bar's order (more join as they are built).
CALLERS = frozenset({Role.ADMIN, Role.RESELLER, Role.AGENT})
ADMINS = frozenset({Role.ADMIN})
NAVIGATION = (
    NavItem(N_("Calls"), "/app/calls", CALLERS),
    NavItem(N_("Shipments"), "/app/shipping", SUPPLIERS),
    NavItem(N_("Stock"), "/app/stock", SUPPLIERS),
    NavItem(N_("Orders"), "/app/orders", EVERYONE),
    NavItem(N_("Dashboard"), "/app/dashboard", frozenset({Role.RESELLER, Role.ADMIN})),
    NavItem(N_("Suppliers"), "/app/admin/suppliers", ADMINS),
    NavItem(N_("Resellers"), "/app/admin/resellers", ADMINS),
    NavItem(N_("Users"), "/app/admin/users", ADMINS),
    NavItem(N_("Settings"), "/app/settings", frozenset({Role.RESELLER, Role.ADMIN})),
)


def navigation(actor: Actor) -> list[NavItem]:
    return [item for item in NAVIGATION if actor.role in item.roles]


def landing(role: Role) -> str:
    """Where a user arrives after sign-in: agents on their calls, suppliers on what they have
    to ship, everyone else on their orders."""
    if role is Role.AGENT:
        return "/app/calls"
    if role is Role.SUPPLIER:
        return "/app/shipping"
    return "/app/orders"


def render(
    request: Request,
    template: str,
    *,
    user: SignedIn | None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    language = language_of(request.cookies.get(LANGUAGE_COOKIE))
    anonymous_csrf = request.cookies.get(ANONYMOUS_CSRF_COOKIE)
    new_anonymous_csrf = user is None and not anonymous_csrf
    if new_anonymous_csrf:
        anonymous_csrf = new_token()
    html = (
        environment(language)
        .get_template(template)
        .render(
            user=user,
            language=language,
            fmt=Formats(
                language=language,
                time_zone=user.time_zone if user else settings.web_time_zone,
            ),
            csrf_token=user.csrf_token if user else anonymous_csrf,
            nav=navigation(user.actor) if user else [],
            current_path=request.url.path,
            status_labels=STATUS_LABELS,
            source_labels=SOURCE_LABELS,
            role_labels=ROLE_LABELS,
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    if new_anonymous_csrf and anonymous_csrf:
        set_cookie(response, request, ANONYMOUS_CSRF_COOKIE, anonymous_csrf)
    return response
