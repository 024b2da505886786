"""Who is calling: the user and the supplier/reseller scope that follows from the account."""

from __future__ import annotations

from dataclasses import dataclass

from commercy.auth.models import Role
from commercy.core.errors import Forbidden, field_details


@dataclass(frozen=True, slots=True)
class Actor:
    """Plain values, not the ``User`` row: every request builds one, from one Core query
    (:func:`commercy.accounts.service.get_active_actor`, the one place that says whose
    supplier a reseller's and an agent's is)."""

    user_id: int
    identifier: str
    role: Role
    supplier_id: int | None
    reseller_id: int | None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def label(self) -> str:
        """How this actor appears in an order's history."""
        return f"{self.role.value}:{self.identifier}"


def check_own_id(*, field: str, given: int | None, own: int | None) -> None:
    """For a field only admins choose (``resellerId``, ``supplierId``): anyone else may send
    their own account's value, so one body serves every caller, but naming another is refused
    (403 naming the field), never quietly replaced by their own."""
    if given is not None and given != own:
        message = f"Only admins choose {field}; yours is {own}: send it or leave it out"
        raise Forbidden(message, details=field_details(field, message), code="only_admins_choose")
