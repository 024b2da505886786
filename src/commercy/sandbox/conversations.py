"""The WhatsApp conversation of each ticket: what was sent, what the customer answered."""

from __future__ import annotations

from typing import Any, Literal

from commercy.sandbox.records import Media, Message, Ticket
from commercy.sandbox.store import Store

ReplyAction = Literal["confirm", "cancel", "no_answer"]

BUTTONS = [{"id": "confirm", "title": "Confirmer"}, {"id": "cancel", "title": "Annuler"}]
REPLY_TEXTS: dict[ReplyAction, str] = {
    "confirm": "Confirmer",
    "cancel": "Annuler",
    "no_answer": "Le client n'a pas répondu.",
}
MEDIA_PATH = "_sandbox/media/{id}"


def render_confirmation(ticket: Ticket) -> str:
    """The French order-confirmation template, filled from ``campaign_data``."""
    data: dict[str, Any] = ticket.information.get("campaign_data") or {}
    third: dict[str, Any] = ticket.information.get("third") or {}
    order_id = data.get("order_id") or ticket.external_id
    lines = [f"Bonjour {third['name']}," if third.get("name") else "Bonjour,", ""]
    lines.append(f"Merci pour votre commande n° {order_id}." if order_id else "Merci !")
    details = (
        ("Articles", data.get("items_count")),
        ("Total", _total(data)),
        ("Adresse de livraison", data.get("delivery_address")),
    )
    lines += [f"{label} : {value}" for label, value in details if value not in (None, "")]
    lines += ["", "Votre facture est jointe à ce message.", "Confirmez-vous votre commande ?"]
    return "\n".join(lines)


def _total(data: dict[str, Any]) -> str | None:
    total = data.get("order_total")
    if total in (None, ""):
        return None
    currency = data.get("currency")
    return f"{total} {currency}" if currency else str(total)


def invoice_media(store: Store, ticket: Ticket) -> Media | None:
    document = (ticket.information.get("campaign_data") or {}).get("invoice_document")
    if not isinstance(document, dict):
        return None
    return store.get(Media, str(document.get("id")))


def attachment(media: Media, *, base_url: str) -> dict[str, Any]:
    path = MEDIA_PATH.format(id=media.id)
    return {
        "id": media.id,
        "file_name": f"{media.file_name}.{media.extension}",
        "mime_type": media.mime_type,
        "path": path,
        "url": f"{base_url}/{path}",
    }


def confirmation_message(store: Store, ticket: Ticket, *, base_url: str) -> Message:
    media = invoice_media(store, ticket)
    return Message(
        id=store.next_id("message"),
        ticket_id=ticket.id,
        wa_id=wa_id_of(ticket),
        direction="outbound",
        text=render_confirmation(ticket),
        document=attachment(media, base_url=base_url) if media else None,
        buttons=list(BUTTONS),
    )


def reply_message(store: Store, ticket: Ticket, action: ReplyAction) -> Message:
    return Message(
        id=store.next_id("message"),
        ticket_id=ticket.id,
        wa_id=wa_id_of(ticket),
        direction="system" if action == "no_answer" else "inbound",
        text=REPLY_TEXTS[action],
    )


def wa_id_of(ticket: Ticket) -> str | None:
    third = ticket.information.get("third") or {}
    wa_id = third.get("wa_id")
    return str(wa_id) if wa_id else None
