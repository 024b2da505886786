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
    "supplier_not_found": N_("This supplier does not exist."),
    "reseller_not_found": N_("This reseller does not exist."),
    "user_not_found": N_("This user does not exist."),
    "product_not_found": N_("This product does not exist."),
    "order_not_found": N_("This order does not exist or is not yours to see."),
    "mapping_not_found": N_("This mapping does not exist."),
    "blocked_number_not_found": N_("This blocked number does not exist."),
    "job_not_found": N_("This job does not exist."),
    "no_digishare_integration": N_("This reseller has no Digishare integration yet."),
    "supplier_required": N_("Say which supplier this is for."),
    "reseller_required": N_("Say which reseller this is for."),
    "only_admins_choose": N_("Only admins choose this: send your own or leave it empty."),
    "role_cannot_manage_users": N_("Your role cannot manage users."),
    "role_not_allowed": N_("Your role cannot create users of this role."),
    "no_supplier_for_role": N_("Users of this role have no supplier."),
    "no_reseller_for_role": N_("Users of this role have no reseller."),
    "supplier_needed": N_("A supplier user needs an existing supplier."),
    "reseller_needed": N_("This user needs an existing reseller."),
    "role_cannot_manage_products": N_("Only suppliers and admins manage products."),
    "product_code_taken": N_("Another product of this supplier already has this code."),
    "role_cannot_see_blocked": N_("Suppliers do not see blocked numbers."),
    "role_cannot_change_blocked": N_("Only the reseller and admins change blocked numbers."),
    "global_blocklist_admins_only": N_("The global list is kept by admins."),
    "role_cannot_call": N_("Suppliers do not call customers."),
    "supervisors_only": N_("The queue is for supervisors: admins and resellers."),
    "order_not_in_queue": N_("This order is no longer being confirmed: it is not called."),
    "callback_required": N_("Say when to call back."),
    "callback_not_for_final": N_("A final outcome takes no call-back time."),
    "claim_first": N_("Take this order before recording a call."),
    "own_numbers_only": N_("Agents see their own numbers only."),
    "role_cannot_change_queue": N_("Only admins and resellers change the queue's settings."),
    "role_cannot_see_converty": N_("Converty catalogues and mappings belong to resellers."),
    "role_cannot_change_converty": N_(
        "Only the reseller and admins change Converty catalogues and mappings."
    ),
    "role_cannot_manage_digishare": N_("Only admins and resellers manage Digishare settings."),
    "digishare_credentials_required": N_(
        "A Digishare token, or an OAuth client id and secret, is required."
    ),
    "webhook_auth_required": N_("Say how Digishare authenticates its webhooks."),
    "address_refused": N_("Commercy may not call this address."),
    "client_secret_required": N_("The OAuth client secret is required."),
    "job_not_failed": N_("Only failed jobs can be retried."),
    "role_cannot_edit_orders": N_("Suppliers do not edit orders."),
    "order_not_editable": N_("This order can no longer be edited at its status."),
    "order_changed": N_("This order changed since you opened it: reload it and try again."),
    "role_cannot_create_orders": N_("Suppliers do not create orders."),
    "not_enough_stock": N_("Not enough stock for one of the order's products."),
    "status_move_refused": N_("This order cannot move to that status."),
    "supplier_statuses_only": N_("Suppliers set fulfilment statuses only."),
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
