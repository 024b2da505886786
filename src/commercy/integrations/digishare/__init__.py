"""Digishare: each new order becomes a WhatsApp ticket, and the ticket's answer moves the order."""

from __future__ import annotations


def install() -> None:
    """Wire Digishare to orders (idempotent): a ticket job in the transaction of each new order,
    a ticket note for each edit of its phone or basket, and the confirmation block of each
    order's answer."""
    from commercy.integrations.digishare import service
    from commercy.orders import events

    events.on_order_created(service.notify_new_order)
    events.on_order_edited(service.reflect_edit)
    events.provide_confirmation(service.confirmation_of, columns=service.CONFIRMATION_COLUMNS)
