"""One sandbox's state: settings, credentials, the database, faults and webhook deliveries."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from commercy.sandbox import foreign
from commercy.sandbox.clock import now
from commercy.sandbox.delivery import WebhookDispatcher
from commercy.sandbox.faults import FaultConfig, Faults
from commercy.sandbox.settings import SandboxSettings
from commercy.sandbox.store import Store


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SandboxState:
    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.store = Store(settings.database_path)
        # Generated once per database, so a restarted sandbox keeps its credentials.
        self.token = (
            settings.token.get_secret_value()
            if settings.token
            else self.store.meta_default("token", lambda: secrets.token_urlsafe(32))
        )
        self.client_id = settings.client_id
        self.client_secret = (
            settings.client_secret.get_secret_value()
            if settings.client_secret
            else self.store.meta_default("client_secret", lambda: secrets.token_urlsafe(24))
        )
        self.faults = Faults(self.store)
        self.webhooks = WebhookDispatcher(store=self.store, settings=settings)
        foreign.seed_once(self.store)

    def profile(self) -> dict[str, str]:
        """The account's one user, whichever token is used."""
        return {
            "id": self.store.ids.hash("user", 1),
            "name": "Digishare sandbox",
            "email": "sandbox@digishare.local",
            "status": "active",
        }

    def issue_access_token(self) -> str:
        token = secrets.token_urlsafe(32)
        expires_at = now() + timedelta(seconds=self.settings.oauth_token_ttl_seconds)
        # Only a digest is kept: the database file does not give the tokens away.
        self.store.add_access_token(_digest(token), expires_at=expires_at.isoformat())
        return token

    def accepts(self, token: str) -> bool:
        if secrets.compare_digest(token.encode(), self.token.encode()):
            return True
        return self.store.access_token_valid(_digest(token))

    async def reset(self) -> None:
        """Forgets every record and fault, then seeds other people's tickets again;
        credentials and issued tokens stay valid."""
        await self.webhooks.cancel_all()
        with self.store.write():
            self.store.clear()
            self.faults.configure(FaultConfig())
            foreign.seed(self.store)

    async def aclose(self) -> None:
        """Stops this process's webhook deliveries, closes the HTTP client and the database."""
        await self.webhooks.aclose()
        self.store.close()


def get_state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


StateDep = Annotated[SandboxState, Depends(get_state)]
