import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The signer's address, trusting X-Forwarded-For only as far as our own proxies wrote it.

    Each trusted proxy appends the address it received from, so the client is the entry that
    many places from the right; anything further left was written by the client and could be
    invented.
    """
    address = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
