"""Media upload: a base64 data URI, checked, decoded and kept for tickets to attach."""

from __future__ import annotations

import base64
import binascii
import re

from commercy.sandbox.errors import invalid
from commercy.sandbox.records import Media
from commercy.sandbox.schemas import MediaUpload
from commercy.sandbox.store import Store

ALLOWED_MIME_TYPES = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
}
_DATA_URI = re.compile(r"data:(?P<mime>[\w.+-]+/[\w.+-]+);base64,(?P<data>.*)", re.DOTALL)


def decode(upload: MediaUpload, *, max_bytes: int) -> bytes:
    """The file's bytes, or a 422 naming the field at fault."""
    file = upload.file
    if file.mime_type not in ALLOWED_MIME_TYPES:
        allowed = ", ".join(ALLOWED_MIME_TYPES)
        raise invalid("file.mime_type", f"The file.mime_type must be one of: {allowed}.")
    match = _DATA_URI.fullmatch(file.base64.strip())
    if match is None:
        raise invalid("file.base64", "The file.base64 must be a base64 data URI.")
    if match["mime"] != file.mime_type:
        raise invalid("file.base64", "The file.base64 data URI type must match file.mime_type.")
    # A base64 string this long decodes to more than the limit; refuse it before decoding.
    if len(match["data"]) > (max_bytes + 2) // 3 * 4 + 4:
        raise too_large(max_bytes)
    try:
        content = base64.b64decode(match["data"], validate=True)
    except (binascii.Error, ValueError):
        raise invalid("file.base64", "The file.base64 is not valid base64.") from None
    if not content:
        raise invalid("file.base64", "The file.base64 must not be empty.")
    if len(content) > max_bytes:
        raise too_large(max_bytes)
    return content


def too_large(max_bytes: int) -> Exception:
    return invalid(
        "file.base64", f"The file may not be greater than {max_bytes // 1024} kilobytes."
    )


def upload(store: Store, body: MediaUpload, *, max_bytes: int) -> Media:
    content = decode(body, max_bytes=max_bytes)
    extension = body.file.extension or ALLOWED_MIME_TYPES[body.file.mime_type]
    with store.write():
        media = Media(
            id=store.next_id("media"),
            file_name=body.file.file_name,
            mime_type=body.file.mime_type,
            extension=extension.lstrip("."),
            category=body.category,
            content=content,
        )
        store.put(media)
    return media
