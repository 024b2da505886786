"""The Digishare sandbox, a separate ASGI application speaking Digishare's API."""

from commercy.sandbox.app import create_app, run
from commercy.sandbox.settings import SandboxSettings

__all__ = ["SandboxSettings", "create_app", "run"]
