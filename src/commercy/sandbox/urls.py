"""The sandbox's own base URL, also when it is mounted under a prefix."""

from __future__ import annotations

from fastapi import Request

from commercy.sandbox.settings import SandboxSettings


def base_url(request: Request, settings: SandboxSettings) -> str:
    if settings.public_base_url:
        return settings.public_base_url
    root_path: str = request.scope.get("root_path", "")
    return f"{request.url.scheme}://{request.url.netloc}{root_path}".rstrip("/")
