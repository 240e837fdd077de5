import pytest
from django.utils import translation

from signatures.forms import SignatureForm


def form(**overrides):
    data = {
        "full_name": "Kim Min-ji",
        "email": "kim@example.org",
        "country": "KR",
        "town": "Seoul",
        "name_visibility": "recipient",
    }
    return SignatureForm(data | overrides)


def test_valid_signature_is_accepted_and_whitespace_tidied():
    signing = form(full_name="  Kim   Min-ji ")

    assert signing.is_valid(), signing.errors
    assert signing.cleaned_data["full_name"] == "Kim Min-ji"
    assert signing.cleaned_data["wants_updates"] is False


@pytest.mark.parametrize("name", ["=HYPERLINK(1)", "+1 555", "-cmd", "@SUM(A1)"])
def test_name_starting_like_a_spreadsheet_formula_is_refused(name):
    signing = form(full_name=name)

    assert not signing.is_valid()
    assert "cannot start with" in signing.errors["full_name"][0]


@pytest.mark.parametrize(
    "town", ["Visit https://spam.example", "www.cheap.example", "Buy at pills.com now"]
)
def test_town_containing_a_web_address_is_refused(town):
    signing = form(town=town)

    assert not signing.is_valid()
    assert "web address" in signing.errors["town"][0]


@pytest.mark.parametrize(
    "name",
    [
        "Dr. Li.Co",
        "Mary Jo.me",
        "O'Brien-Smith",
        "J.R.R. Tolkien",
        "Anne-Marie O'Neil",
        "김민준",
        "김민지",
        "王小明",
        "山田 花子",
        "Nguyễn Văn A",
        "Zoë Łukasiewicz-Ñúñez",
        "Алексей Смирнов",
        "محمد الأحمد",
        "דוד כהן",
        "Ngũgĩ wa Thiong'o",
        "Jean-Luc Picard Jr.",
        "St. John Rivers",
        "A. B. C. Smith",
        "Kim O\u2019Hara",  # typographic apostrophe
    ],
)
def test_real_names_are_accepted_as_typed(name):
    signing = form(full_name=name)

    assert signing.is_valid(), signing.errors
    assert signing.cleaned_data["full_name"] == name


@pytest.mark.parametrize("name", ["www.cheap.example", "Visit https://spam.example"])
def test_a_name_that_looks_like_a_web_address_is_kept_to_be_shown_unlinked(name):
    assert form(full_name=name).is_valid()


def test_name_without_letters_is_refused():
    assert "letters" in form(full_name="12345").errors["full_name"][0]


@pytest.mark.parametrize(
    "name",
    [
        "Kim\x00Min",
        "Anna \u202eLee",  # right-to-left override
        "Anna\u2066 Lee",  # bidirectional isolate
        "\ufffd\ufffdAnna",  # left by bytes that were not UTF-8
        "Anna\ufeffLee",
        "Anna\ue000Lee",  # private use
    ],
)
def test_invisible_and_control_characters_are_refused(name):
    signing = form(full_name=name)

    assert not signing.is_valid()
    assert "not allowed" in signing.errors["full_name"][0]


@pytest.mark.parametrize("invisible", ["\u200b", "\u2060", "\u2063"])
def test_invisible_spaces_and_separators_are_refused(invisible):
    assert "not allowed" in form(full_name=f"Kim{invisible} Min-ji").errors["full_name"][0]


def test_joiners_that_real_names_need_are_accepted():
    assert form(full_name="\u0645\u0647\u200c\u0633\u0627 Ahmadi").is_valid()


def test_email_with_an_ip_address_for_a_domain_is_refused():
    signing = form(email="kim@[127.0.0.1]")

    assert "domain name" in signing.errors["email"][0]


def test_unknown_country_is_refused():
    assert "country" in form(country="XX").errors


def test_every_field_has_a_length_limit():
    signing = form(full_name="a" * 101, email="a" * 250 + "@x.org", town="t" * 101)

    assert set(signing.errors) == {"full_name", "email", "town"}


def test_unknown_name_visibility_is_refused():
    assert "name_visibility" in form(name_visibility="everyone").errors


def test_no_country_is_preselected():
    assert SignatureForm()["country"].initial is None


def test_the_country_list_opens_on_a_prompt_and_marks_the_chosen_country_only():
    empty = str(SignatureForm()["country"])
    chosen = str(form(country="AL")["country"])

    assert empty.startswith(
        '<select autocomplete="country" id="id_country" name="country" required>'
        '<option value="" selected>Choose your country</option>'
        '<option value="AF">Afghanistan</option><option value="AX">Åland Islands</option>'
    )
    assert empty.endswith("</option></select>")
    assert '<option value="AL" selected>Albania</option>' in chosen
    assert chosen.count("selected") == 1


def test_the_country_list_is_in_the_readers_language_whichever_was_shown_first():
    with translation.override("en"):
        english = str(SignatureForm()["country"])
    with translation.override("ko"):
        korean = str(SignatureForm()["country"])

    assert '<option value="KR">South Korea</option>' in english
    assert '<option value="KR">대한민국</option>' in korean
    assert '<option value="" selected>국가를 선택하십시오</option>' in korean


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ('"dup"@xn--bcher-kva.de', "dup@bücher.de"),
        ("dup@BÜCHER.de", "dup@bücher.de"),
        ("Kim.Min+ji@Example.org", "Kim.Min+ji@example.org"),
    ],
)
def test_email_is_kept_in_one_readable_spelling(typed, kept):
    signing = form(email=typed)

    assert signing.is_valid(), signing.errors
    assert signing.cleaned_data["email"] == kept


@pytest.mark.parametrize(
    "address",
    [
        '"dup\x01"@example.org',
        '"two words"@example.org',
        "dup@xn--zz.de",
        "dup@-bad.de",
    ],
)
def test_address_no_mail_server_would_deliver_to_is_refused_with_a_message(address):
    errors = form(email=address).errors

    assert errors["email"] in (
        ["This address cannot receive email. Please check it and try again."],
        ["Enter a valid email address."],
    )


@pytest.mark.parametrize(("trap", "filled"), [("", False), ("http://spam.example", True)])
def test_the_trap_field_never_refuses_and_is_kept_apart_from_the_details(trap, filled):
    signing = form(website=trap)

    assert signing.is_valid(), signing.errors
    assert signing.filled_trap is filled
    assert "website" not in signing.cleaned_data
