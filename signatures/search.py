"""Staff's search of signatures in one box, each term read by its shape.

Names, addresses and IP addresses are sealed at rest, so every search goes through what the
database can compare: the keyed hashes of an address, of its domain and of a name's words,
the network in clear, and the receipt code. See the admin's help text and README, "Staff
roles".
"""

import ipaddress
import re
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .identity import RECEIPT_ALPHABET, RECEIPT_LENGTH, email_domain_hash
from .models import ConfirmationToken, Signature, SignatureNameToken
from .name_index import search_tokens

# Longer than any address (254) or name (100) a signature can hold.
LONGEST_TERM = 254
# The networks that signatures keep in clear (Signature.ip_prefix), and the widest range
# searched as a list of them: 256 networks.
STORED_PREFIX = {4: 24, 6: 48}
WIDEST_PREFIX = {4: 16, 6: 40}
# An address narrower than a stored network is checked on each signature of that network, its
# sealed address opened one by one: past this many, staff are asked for a wider range.
MOST_TO_OPEN = 5000
MOST_NAME_WORDS = 8
RECEIPT_SHAPE = re.compile(r"[A-Za-z0-9]{5}-[A-Za-z0-9]{5}-[A-Za-z0-9]{5}\Z")
# Whatever could only have been meant as an IP address or range, well formed or not.
NETWORK_SHAPES = (
    re.compile(r"\d[\d.]*\.[\d.]*(/.*)?\Z"),
    re.compile(r"[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(/.*)?\Z"),
)


@dataclass(frozen=True)
class SearchResult:
    signatures: QuerySet
    # Why nothing was searched, for staff; None when the search ran.
    refusal: str | None = None


def _refused(queryset: QuerySet, reason) -> SearchResult:
    return SearchResult(queryset.none(), str(reason))


def signatures_search(queryset: QuerySet, term: str) -> SearchResult:
    term = term.strip()
    if not term:
        return SearchResult(queryset)
    if len(term) > LONGEST_TERM or "\x00" in term:
        return _refused(queryset, _("That search is too long, or holds characters no one types."))
    if term.startswith("@"):
        return _by_domain(queryset, term)
    if "@" in term:
        return SearchResult(queryset.with_email(term))
    if any(shape.match(term) for shape in NETWORK_SHAPES):
        return _by_network(queryset, term)
    if _looks_like_receipt(term):
        return _by_receipt(queryset, term)
    return _by_name(queryset, term)


def _by_domain(queryset, term):
    domain = term[1:].strip()
    if "." not in domain or "@" in domain:
        return _refused(queryset, _("Search a domain as @example.org."))
    return SearchResult(queryset.filter(email_domain_hash=email_domain_hash(domain)))


def _looks_like_receipt(term: str) -> bool:
    """As printed (ABCDE-FGHJK-MNPQR), or as typed without dashes, holding a digit as every
    receipt but few names do."""
    if RECEIPT_SHAPE.match(term):
        return True
    return len(term) == RECEIPT_LENGTH and term.isalnum() and any(c.isdigit() for c in term)


def _by_receipt(queryset, term):
    receipt = term.replace("-", "").upper()
    if not set(receipt) <= set(RECEIPT_ALPHABET):
        return _refused(
            queryset,
            _(
                "That is not a receipt code: receipt codes hold no 0, 1, I, L or O. "
                "Check what the signer read out."
            ),
        )
    return SearchResult(queryset.filter(receipt=receipt))


def _by_network(queryset, term):
    try:
        network = ipaddress.ip_network(term, strict=False)
    except ValueError:
        return _refused(queryset, _("That is not an IP address or range, such as 203.0.113.0/24."))
    stored = STORED_PREFIX[network.version]
    if network.prefixlen < WIDEST_PREFIX[network.version]:
        return _refused(
            queryset,
            _("Search a range of at most /%(v4)d (IPv6: /%(v6)d).")
            % {"v4": WIDEST_PREFIX[4], "v6": WIDEST_PREFIX[6]},
        )
    if network.prefixlen <= stored:
        prefixes = [str(prefix) for prefix in network.subnets(new_prefix=stored)]
        return SearchResult(queryset.filter(ip_prefix__in=prefixes))
    candidates = queryset.filter(ip_prefix=str(network.supernet(new_prefix=stored)))
    return _by_sealed_address(queryset, candidates, network)


def _by_sealed_address(queryset, candidates, network):
    """Each candidate's own address opened and checked: a signature's once confirmed, its
    submissions' before."""
    keys = list(candidates.order_by().values_list("pk", flat=True)[: MOST_TO_OPEN + 1])
    if len(keys) > MOST_TO_OPEN:
        return _refused(
            queryset,
            _(
                "More than %(count)d signatures come from that network: search its whole "
                "range (%(range)s), or narrow by petition, status or date."
            )
            % {
                "count": MOST_TO_OPEN,
                "range": network.supernet(new_prefix=STORED_PREFIX[network.version]),
            },
        )
    found = set()
    signed = Signature.objects.filter(pk__in=keys).exclude(ip_address=None)
    for pk, address in signed.opened_rows("id", "ip_address"):
        if address and ipaddress.ip_address(address) in network:
            found.add(pk)
    field = ConfirmationToken._meta.get_field("ip_address")
    submitted = ConfirmationToken.objects.filter(signature__in=keys).exclude(ip_address=None)
    for signature, address in submitted.values_list("signature", "ip_address"):
        if ipaddress.ip_address(field.unseal_for_row(address, signature)) in network:
            found.add(signature)
    return SearchResult(queryset.filter(pk__in=found))


def _by_name(queryset, term):
    tokens = search_tokens(term)
    if not tokens:
        return _refused(queryset, _("Search a name by its words, such as “Kim Min-ji”."))
    if len(tokens) > MOST_NAME_WORDS:
        return _refused(
            queryset, _("Search a name by at most %(count)d words.") % {"count": MOST_NAME_WORDS}
        )
    for token in tokens:
        holding = SignatureNameToken.objects.filter(token=token).values("signature")
        queryset = queryset.filter(pk__in=holding)
    return SearchResult(queryset)
