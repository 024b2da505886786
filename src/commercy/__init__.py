"""Commercy: the order hub for cash-on-delivery sellers."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("commercy")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
