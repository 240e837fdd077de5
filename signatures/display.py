"""How what signers write is shown to others: in pages, emails and the delivery dossier."""

import unicodedata
from functools import lru_cache

# Nothing to see, and no part of a host name. A word joiner or a zero-width space stops most
# linkifiers as well, but IDNA, which browsers apply to every host, drops those ("evil\u2060.com"
# goes to evil.com) and refuses this one: so even a linkifier that reads it as part of a word
# makes no working link (pdf.js, for one, links "a@b.com" only when its domain parses).
INVISIBLE_SEPARATOR = "\u2063"
# What makes text a link: the dot of a domain, the colon of a scheme, slashes and the @ of an
# address (and a backslash, which browsers read as a slash). Their fullwidth and small forms
# fold to these under NFKC, as mail clients, PDF viewers and browsers fold them; browsers also
# read the ideographic full stop as a dot.
LINK_PUNCTUATION = frozenset(".:/\\@\u3002")
# Scripts in which a name is written without spaces, family name first.
FAMILY_NAME_FIRST_SCRIPTS = (
    "CJK UNIFIED IDEOGRAPH",
    "CJK COMPATIBILITY IDEOGRAPH",
    "HANGUL",
    "HALFWIDTH HANGUL",
    "HIRAGANA",
    "KATAKANA",
    "HALFWIDTH KATAKANA",
)
# Two marks whatever the length, so that the mask does not tell how long the name is.
GIVEN_NAME_MASK = "\u25cb\u25cb"
# Three bullets whatever the length, for the same reason.
EMAIL_MASK = "\u2022\u2022\u2022"


@lru_cache(maxsize=4096)
def _is_link_punctuation(char: str) -> bool:
    return not LINK_PUNCTUATION.isdisjoint(unicodedata.normalize("NFKC", char))


def unlinked(text: str) -> str:
    """The text as written, with an invisible separator on each side of its link punctuation.

    "evil.com" still reads "evil.com" but no longer matches what mail clients and PDF viewers
    turn into links ("www.", "http://", a dot before a top-level domain, an @ between words),
    so that a name can never be made into a link in a page, an email or the dossier. The
    signer's text is kept as typed; this is only how it is shown.
    """
    if not any(map(_is_link_punctuation, text)):
        return text
    pieces = []
    for char in text:
        if _is_link_punctuation(char):
            if pieces and pieces[-1] != INVISIBLE_SEPARATOR:
                pieces.append(INVISIBLE_SEPARATOR)
            pieces += [char, INVISIBLE_SEPARATOR]
        else:
            pieces.append(char)
    return "".join(pieces).removesuffix(INVISIBLE_SEPARATOR)


def public_form(full_name: str) -> str:
    """The first word of the name; of a name written as one word, only its first letter.

    Korean, Chinese and Japanese names are often written without a space, family name first,
    and showing all of one would publish the signer's full name: they show the family name's
    first character and a mask ("김○○", "王○○"), other names the initial ("M.").
    """
    words = full_name.split()
    if not words:
        return ""
    if len(words) > 1:
        return words[0]
    # Composed, so that Hangul typed as separate jamo shows its syllable.
    first = unicodedata.normalize("NFC", words[0])[0]
    if unicodedata.name(first, "").startswith(FAMILY_NAME_FIRST_SCRIPTS):
        return first + GIVEN_NAME_MASK
    return f"{first}."


def masked_email(address: str) -> str:
    """The address as staff without the right to see it read it: "j\u2022\u2022\u2022@example.org".

    The first character of the local part and the domain: enough to tell two signers apart, or
    to spot a wave from one provider, and not enough to write to either.
    """
    if not address:
        return ""
    local, at, domain = address.rpartition("@")
    if not at:
        return EMAIL_MASK
    return f"{local[:1]}{EMAIL_MASK}@{domain}"
