"""One sandbox's state: settings, credentials, memory, faults and webhook deliveries."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from commercy.sandbox.clock import now
from commercy.sandbox.delivery import WebhookDispatcher
from commercy.sandbox.faults import FaultConfig, Faults
from commercy.sandbox.settings import SandboxSettings
from commercy.sandbox.store import Store


class SandboxState:
    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.token = (
            settings.token.get_secret_value() if settings.token else secrets.token_urlsafe(32)
        )
        self.client_id = settings.client_id
        self.client_secret = (
            settings.client_secret.get_secret_value()
            if settings.client_secret
            else secrets.token_urlsafe(24)
        )
        self.store = Store()
        self.faults = Faults()
        self.webhooks = WebhookDispatcher(store=self.store, settings=settings)

    def issue_access_token(self) -> str:
        token = secrets.token_urlsafe(32)
        ttl = timedelta(seconds=self.settings.oauth_token_ttl_seconds)
        self.store.access_tokens[token] = now() + ttl
        return token

    def accepts(self, token: str) -> bool:
        if secrets.compare_digest(token.encode(), self.token.encode()):
            return True
        expires_at = self.store.access_tokens.get(token)
        return expires_at is not None and expires_at > now()

    async def reset(self) -> None:
        """Forgets every record and fault; credentials and issued tokens stay valid."""
        await self.webhooks.cancel_all()
        async with self.store.lock:
            self.store.clear()
        self.faults.configure(FaultConfig())

    async def aclose(self) -> None:
        """Stops pending webhook deliveries and closes the HTTP client."""
        await self.webhooks.aclose()


def get_state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


StateDep = Annotated[SandboxState, Depends(get_state)]
