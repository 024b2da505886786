"""Who is calling: the user and the supplier/reseller scope that follows from the account."""

from __future__ import annotations

from dataclasses import dataclass

from commercy.accounts.models import Role, User


@dataclass(frozen=True, slots=True)
class Actor:
    """Plain values, not the ``User`` row: every request builds one, from one Core query."""

    user_id: int
    identifier: str
    role: Role
    supplier_id: int | None
    reseller_id: int | None

    @classmethod
    def of(cls, user: User) -> Actor:
        """A reseller's and an agent's supplier is the one their reseller is attached to."""
        supplier_id = user.supplier_id
        if user.reseller is not None:
            supplier_id = user.reseller.supplier_id
        return cls(
            user_id=user.id,
            identifier=user.identifier,
            role=user.role,
            supplier_id=supplier_id,
            reseller_id=user.reseller_id,
        )

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def label(self) -> str:
        """How this actor appears in an order's history."""
        return f"{self.role.value}:{self.identifier}"
