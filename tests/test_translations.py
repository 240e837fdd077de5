import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parents[1] / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|<[^>]+>")


def catalog(language):
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as po:
        return read_po(po)


def pairs(message):
    if isinstance(message.id, tuple):
        # Korean and Chinese have one plural form, which must read right for any number.
        return [(message.id[1], message.string[0])]
    return [(message.id, message.string)]


@pytest.mark.parametrize("language", ["ko", "zh_Hans"])
def test_every_interface_string_is_translated(language):
    messages = [message for message in catalog(language) if message.id]

    untranslated = [m.id for m in messages if not all(text for _, text in pairs(m))]
    fuzzy = [m.id for m in messages if m.fuzzy]

    assert len(messages) > 150
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("language", ["ko", "zh_Hans"])
def test_translations_keep_every_placeholder_and_tag(language):
    broken = [
        source
        for message in catalog(language)
        if message.id
        for source, text in pairs(message)
        if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text))
    ]

    assert broken == []
