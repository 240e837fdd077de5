"""A blind index of signers' names, so that staff can find a signature by name although names
are sealed at rest.

Each word of a name is kept as a truncated keyed hash of its folded form (NFKC, case-folded),
one row per word and signature: equal words give equal tokens, so a copy of the database tells
which signatures share a word of their names (though not the word, without the hash key), as
docs/privacy-at-rest.md says.
"""

import re
import unicodedata

from .display import FAMILY_NAME_FIRST_SCRIPTS
from .identity import keyed_hash
from .models import SignatureNameToken

# 64 bits: collisions between words are too rare to matter, and a shorter index.
TOKEN_LENGTH = 16
# Letters, marks and digits make words; anything else (spaces, hyphens, dots) parts them, so
# that "Min-ji" is found by "min ji" and by "Min-ji" alike.
WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> list[str]:
    return WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _written_without_spaces(word: str) -> bool:
    return unicodedata.name(word[0], "").startswith(FAMILY_NAME_FIRST_SCRIPTS)


def name_token(word: str) -> str:
    # Its own prefix, so that a name's token never equals an email's or a domain's hash.
    return keyed_hash(f"name:{word}")[:TOKEN_LENGTH]


def name_tokens(full_name: str) -> set[str]:
    """What a name is found by: each word; and a word written in a script that writes names
    without spaces, family name first ("김민지", "王伟"), also by its first character and the
    rest, the family and given names as they mostly divide."""
    words = set()
    for word in _words(full_name):
        words.add(word)
        if len(word) > 1 and _written_without_spaces(word):
            words |= {word[0], word[1:]}
    return {name_token(word) for word in words}


def search_tokens(term: str) -> set[str]:
    """The tokens a signature's name must all hold to match the words searched for."""
    return {name_token(word) for word in _words(term)}


def name_index_update(signatures) -> None:
    """Index the names the signatures hold now, replacing what was indexed of them before; an
    erased name leaves nothing."""
    signatures = list(signatures)
    SignatureNameToken.objects.filter(signature__in=[s.pk for s in signatures]).delete()
    name_index_add(signatures)


def name_index_add(signatures) -> None:
    """Index the names of signatures that have never held one: just confirmed, say."""
    SignatureNameToken.objects.bulk_create(
        SignatureNameToken(signature_id=signature.pk, token=token)
        for signature in signatures
        for token in sorted(name_tokens(signature.full_name or ""))
    )
