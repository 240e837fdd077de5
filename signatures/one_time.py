"""What the page after signing or confirming shows once, kept by the signer's own browser.

The address a link was sent to, and the receipt of a confirmed signature, go to the next page in
a cookie sealed like the signature's details (sealing.py), bound to its note and petition: no
session row is written on the signing path, the server keeps nothing a dump could show, and a
cookie read on another petition's page, altered, or sealed under a key since removed, opens to
nothing. The page that shows a note deletes its cookie; one never shown expires within minutes.
"""

from dataclasses import dataclass

from django.conf import settings

from . import sealing

# Long enough to follow the redirect on a slow phone; short enough that a shared or seized
# device soon keeps nothing of the signing.
NOTE_SECONDS = 15 * 60
# Sealed text is base64: written with cookie-safe characters for "+", "/" and "=".
_TO_COOKIE = str.maketrans("+/=", "-_.")
_FROM_COOKIE = str.maketrans("-_.", "+/=")


@dataclass(frozen=True)
class Note:
    cookie: str

    def keep(self, response, slug: str, value: str) -> None:
        sealed = sealing.seal(value, self._context(slug)).text
        response.set_cookie(
            self.cookie,
            sealed.translate(_TO_COOKIE),
            max_age=NOTE_SECONDS,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )

    def read(self, request, slug: str) -> str | None:
        """The note kept for this petition, or None."""
        text = request.COOKIES.get(self.cookie)
        if text is None:
            return None
        try:
            return sealing.unseal(text.translate(_FROM_COOKIE), self._context(slug))
        except sealing.SealError:
            return None

    def drop(self, request, response) -> None:
        """Shown, or of no use here: the browser keeps it no longer."""
        if self.cookie in request.COOKIES:
            response.delete_cookie(self.cookie, samesite="Lax")

    def _context(self, slug: str) -> bytes:
        return sealing.context("note", self.cookie, slug)


SENT_TO = Note("signatures_sent_to")
RECEIPT = Note("signatures_receipt")
# What a browser holds between writing a signature and seeing it.
COOKIES = (SENT_TO.cookie, RECEIPT.cookie)
