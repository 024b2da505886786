"""Dependencies every layer's endpoints share: the app's settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from commercy.core.settings import Settings


# async: a sync dependency would hop to the thread pool on every call.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]
