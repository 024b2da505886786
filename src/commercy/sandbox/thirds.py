"""Thirds (Digishare's contacts): one per ``wa_id``."""

from __future__ import annotations

from commercy.sandbox.clock import now
from commercy.sandbox.errors import invalid
from commercy.sandbox.records import Third
from commercy.sandbox.schemas import ThirdCreate, ThirdData, ThirdUpdate
from commercy.sandbox.store import Store

_PROFILE_FIELDS = ("name", "email", "ext_ref")


def _ensure_wa_id_free(store: Store, wa_id: str | None, *, third_id: str | None = None) -> None:
    existing = store.third_by_wa_id(wa_id) if wa_id else None
    if existing is not None and existing.id != third_id:
        raise invalid("wa_id", "The wa id has already been taken.")


def _contact(phone: str | None, wa_id: str | None) -> tuple[str | None, str | None]:
    """Each of phone and WhatsApp id defaults to the other (both already in E.164)."""
    if wa_id is None and phone is not None:
        wa_id = phone.removeprefix("+")
    if phone is None and wa_id is not None:
        phone = f"+{wa_id}"
    return phone, wa_id


def create(store: Store, body: ThirdCreate) -> Third:
    """Creates a third."""
    if not (body.phone or body.wa_id):
        raise invalid("wa_id", "The wa id field is required when phone is not present.")
    phone, wa_id = _contact(body.phone, body.wa_id)
    with store.write():
        _ensure_wa_id_free(store, wa_id)
        third = Third(
            id=store.next_id("third"),
            wa_id=wa_id,
            phone=phone,
            name=body.name,
            email=body.email,
            ext_ref=body.ext_ref,
        )
        store.put(third)
    return third


def update(store: Store, third_id: str, body: ThirdUpdate) -> Third:
    """Changes the fields sent."""
    sent = body.model_fields_set
    with store.write():
        third = store.third(third_id)
        if "wa_id" in sent:
            _ensure_wa_id_free(store, body.wa_id, third_id=third.id)
            third.wa_id = body.wa_id
        if "phone" in sent:
            third.phone = body.phone
        for name in _PROFILE_FIELDS:
            if name in sent:
                setattr(third, name, getattr(body, name))
        third.updated_at = now()
        store.put(third)
    return third


def create_or_reuse(store: Store, data: ThirdData) -> Third:
    """The third with this ``wa_id``, its empty profile fields filled in, or a new one."""
    if not data.wa_id and not data.phone:
        raise invalid(
            "information.third.wa_id",
            "The information.third.wa_id field is required when create third data is true.",
        )
    _, wa_id = _contact(data.phone, data.wa_id)
    with store.write():
        existing = store.third_by_wa_id(wa_id) if wa_id else None
        if existing is None:
            profile = {name: getattr(data, name) for name in _PROFILE_FIELDS}
            return create(store, ThirdCreate(phone=data.phone, wa_id=data.wa_id, **profile))
        missing = [
            name
            for name in _PROFILE_FIELDS
            if getattr(existing, name) is None and getattr(data, name) is not None
        ]
        for name in missing:
            setattr(existing, name, getattr(data, name))
        if missing:
            existing.updated_at = now()
            store.put(existing)
    return existing
