"""The signatures app's pages in the admin, a module for each concern; importing them registers
them."""

from . import defences, invalidation, signature, trending
from .signature import SignatureAdmin

__all__ = ["SignatureAdmin", "defences", "invalidation", "signature", "trending"]
