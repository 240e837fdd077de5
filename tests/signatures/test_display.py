import pytest

from signatures.display import INVISIBLE_SEPARATOR, masked_email, unlinked
from tests.linkifiers import links_in

LINK_LIKE = [
    "evil.com",
    "www.evil.com",
    "http://evil",
    "evil-site.de",
    "bit\u3002ly/x",  # ideographic full stop
    "http\uff1a//evil",  # fullwidth colon
    "\uff45\uff56\uff49\uff4c\uff0e\uff43\uff4f\uff4d",  # fullwidth "evil.com"
    "evil\ufe52com",  # small full stop
    "evil\u2024com",  # one dot leader
    "kim@evil.com",
    "kim\uff20evil\uff0ecom",
    "Dr. Li.Co",
    "Mary Jo.me",
    "Visit www.cheap.example now",
]


@pytest.mark.parametrize("text", LINK_LIKE)
def test_link_like_text_reads_the_same_but_matches_no_linkifier(text):
    shown = unlinked(text)

    assert links_in(text), "the raw text should look like a link"
    assert links_in(shown) == []
    assert shown.replace(INVISIBLE_SEPARATOR, "") == text


@pytest.mark.parametrize("text", ["evil . com", "J.R.R. Tolkien", "St. Ives"])
def test_every_dot_is_set_apart_even_where_no_linkifier_would_look(text):
    assert unlinked(text).count(INVISIBLE_SEPARATOR) == 2 * text.count(".")


def test_punctuation_in_a_row_is_set_apart_once_between_each():
    assert unlinked("a://b") == "a\u2063:\u2063/\u2063/\u2063b"


@pytest.mark.parametrize("text", ["김민준", "王小明", "Nguyễn Văn A", "O'Brien-Smith", ""])
def test_text_without_link_punctuation_is_left_as_it_is(text):
    assert unlinked(text) == text


def test_a_joiner_that_browsers_drop_would_not_be_enough():
    # IDNA maps a word joiner to nothing, so a viewer reading it as part of the domain still
    # reaches the address; the separator is refused in host names instead.
    joined = "kim\u2060@\u2060evil\u2060.\u2060com"

    assert "kim@evil.com" in links_in(joined)


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("jane.doe@example.org", "j•••@example.org"),
        ("j@example.org", "j•••@example.org"),
        ("김민지@例え.jp", "김•••@例え.jp"),
        ('"a@b"@example.org', '"•••@example.org'),
        ("no-at-sign", "•••"),
        ("", ""),
    ],
)
def test_a_masked_email_keeps_the_first_character_and_the_domain(address, masked):
    assert masked_email(address) == masked
