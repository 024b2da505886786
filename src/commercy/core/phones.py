"""Customer phone numbers: E.164 when valid for their region, the WhatsApp id derived from it."""

from __future__ import annotations

import re

import phonenumbers

_SEPARATORS = re.compile(r"[\s.\-()]")
_SHAPE = re.compile(r"^\+?\d{8,15}$")


class InvalidPhone(ValueError):
    pass


def check_shape(raw: str) -> str:
    """The number without separators, or :class:`InvalidPhone` when it cannot be a phone."""
    compact = _SEPARATORS.sub("", raw.strip())
    if not _SHAPE.match(compact):
        raise InvalidPhone(
            "must be 8 to 15 digits, optionally starting with +; spaces, dots, dashes and "
            "parentheses are ignored"
        )
    return compact


def normalize_phone(raw: str, *, region: str) -> str:
    """``"20 123 456"`` → ``"+21620123456"`` (region TN); an unknown but well-formed number
    (such as ``+1234567890``) is kept as ``+`` and its digits."""
    compact = check_shape(raw)
    try:
        parsed = phonenumbers.parse(compact, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and phonenumbers.is_valid_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return "+" + compact.lstrip("+")


def whatsapp_id(e164: str) -> str:
    """WhatsApp's ``wa_id``: the international number's digits, without the ``+``."""
    return e164.lstrip("+")
