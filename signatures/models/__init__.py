"""The signatures app's models, a module for each concern."""

from .confirmation import ConfirmationToken, ConfirmationTokenQuerySet
from .defences import SigningLimits, SourceAction, SourceKind, SourceRule
from .invalidation import Invalidation, InvalidationItem, InvalidationState
from .signature import Signature, SignatureNameToken, SignatureQuerySet, awaiting_confirmation
from .signer import NAME_USE_SUMMARIES, NameVisibility, SignatureStatus, SignerDetails, Suspicion
from .tally import SignatureTally
from .trending import TrendingAlert, TrendingAlertQuerySet, TrendingKind

__all__ = [
    "NAME_USE_SUMMARIES",
    "ConfirmationToken",
    "ConfirmationTokenQuerySet",
    "Invalidation",
    "InvalidationItem",
    "InvalidationState",
    "NameVisibility",
    "Signature",
    "SignatureNameToken",
    "SignatureQuerySet",
    "SignatureStatus",
    "SignatureTally",
    "SignerDetails",
    "SigningLimits",
    "SourceAction",
    "SourceKind",
    "SourceRule",
    "Suspicion",
    "TrendingAlert",
    "TrendingAlertQuerySet",
    "TrendingKind",
    "awaiting_confirmation",
]
