"""Refusals in the page's language. Services say why in English (the API's words); a page maps
the refusal's stable parts (its ``code``, or a field and its validation error type) to a
catalogue string, and keeps the service's text when it has no words of its own."""

from __future__ import annotations

from typing import Any

from commercy.web.i18n import N_, translations

PHONE = N_("Not a phone number: 8 to 15 digits, optionally starting with +.")

#: Refusals by the ``code`` the service gave them.
BY_CODE = {
    "identifier_taken": N_("A user with this identifier already exists."),
    "disabling_self": N_("You cannot disable your own account."),
    "invalid_phone": PHONE,
    "not_in_catalogue": N_("This Converty product is not in the reseller's catalogue."),
    "not_supplier_product": N_("This product is not one of the reseller's supplier's products."),
    "already_mapped": N_("This Converty product is already mapped: delete its mapping first."),
    "callback_in_past": N_("The call-back time must be in the future."),
    "callback_too_late": N_("The call-back time is at most a year ahead."),
}
#: Field errors of the API's request models, by field and validation error type.
BY_FIELD = {
    ("customerPhone", "value_error"): PHONE,
    ("customerPhone2", "value_error"): PHONE,
    ("phone", "value_error"): PHONE,
    ("email", "string_pattern_mismatch"): N_("Not an email address."),
}
#: The same, for any field; ``%(name)s`` is filled from the error's limits.
BY_TYPE = {
    "missing": N_("Required."),
    "string_too_short": N_("At least %(min_length)s characters."),
    "string_too_long": N_("At most %(max_length)s characters."),
    "int_parsing": N_("A whole number."),
    "int_type": N_("A whole number."),
    "greater_than_equal": N_("At least %(ge)s."),
    "greater_than": N_("More than %(gt)s."),
    "less_than_equal": N_("At most %(le)s."),
    "enum": N_("Choose one in the list."),
}
#: The web app's own words, raised by its forms (found by the catalogue as they are).
OWN_WORDS = (
    N_("Invalid input data"),
    N_("type a name"),
    N_("type the new password"),
    N_("choose one in the list"),
    N_("choose one of the buttons"),
    N_("choose an outcome"),
    N_("choose when to call back"),
    N_("say why the order is canceled"),
    N_("a whole number, 0 or more"),
    N_("an id, a whole number"),
    N_("true or false"),
)


def field_message(error: dict[str, Any], *, code: str | None, language: str) -> str:
    """One field's refusal in ``language``; the service's words when there are none of ours."""
    field, kind = str(error.get("field")), error.get("type")
    known = (BY_CODE.get(code) if code else None) or BY_FIELD.get((field, str(kind)))
    if known is None and kind in BY_TYPE:
        limits = error.get("ctx") or {}
        try:
            return translations(language).gettext(BY_TYPE[str(kind)]) % limits
        except (KeyError, TypeError, ValueError):
            known = None
    return say(known or str(error.get("message")), language=language)


def whole_message(message: str, *, code: str | None, language: str) -> str:
    return say((BY_CODE.get(code) if code else None) or message, language=language)


def say(message: str, *, language: str) -> str:
    """``message`` from the catalogue when it holds it, else as it is (never formatted: a
    service's message may hold what the user typed)."""
    return translations(language).gettext(message) if message else message
