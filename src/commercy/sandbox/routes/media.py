"""Media upload, to attach an invoice to a ticket."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from commercy.sandbox import media
from commercy.sandbox.auth import Authenticated
from commercy.sandbox.schemas import MediaUpload
from commercy.sandbox.state import StateDep

router = APIRouter(prefix="/v1", tags=["media"])


@router.post("/messagesTemplates", status_code=201)
async def upload_media(body: MediaUpload, state: StateDep, _: Authenticated) -> dict[str, Any]:
    """Uploads a PDF, PNG, JPEG or WebP file given as a base64 data URI. Keep `data.id`: it is
    the `invoice_document.id` of the ticket's `campaign_data`."""
    uploaded = media.upload(state.store, body, max_bytes=state.settings.max_media_bytes)
    return {"data": uploaded.to_json()}
