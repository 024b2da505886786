"""Phone numbers standardized to E.164, as Digishare stores them."""

from __future__ import annotations

import re

import phonenumbers

_SEPARATORS = re.compile(r"[\s.\-()]")
_INTERNATIONAL = re.compile(r"\+?[1-9]\d{7,14}")


def to_e164(raw: str) -> str:
    """``+`` and the digits; formatted by phonenumbers when the number is valid.

    Numbers phonenumbers does not know are kept (8 to 15 digits), as Commercy stores them.
    """
    cleaned = _SEPARATORS.sub("", raw)
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    if not _INTERNATIONAL.fullmatch(cleaned):
        raise ValueError("must be an international phone number of 8 to 15 digits")
    digits = cleaned.lstrip("+")
    try:
        number = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return "+" + digits
    if phonenumbers.is_valid_number(number):
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return "+" + digits


def to_wa_id(raw: str) -> str:
    """The WhatsApp id: the E.164 number without its ``+``."""
    return to_e164(raw).removeprefix("+")
