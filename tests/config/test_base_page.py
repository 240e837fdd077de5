"""What every page carries: the language switcher, the footer and the site's icon."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

from tests.config.test_settings import run_manage

pytestmark = pytest.mark.django_db

SWITCHER_LINK = re.compile(
    r'<a href="([^"]+)" lang="([^"]+)" hreflang="[^"]+"( aria-current="true")?>([^<]+)</a>'
)


SWITCHER = r'<nav class="language-switcher".*?</nav>'


def part(html, pattern):
    return re.search(pattern, html, re.S).group(0)


class TestLanguageSwitcher:
    def test_one_link_per_language_in_its_own_name_the_current_one_marked(self, client):
        html = client.get("/ko/").text

        switcher = part(html, SWITCHER)

        assert SWITCHER_LINK.findall(switcher) == [
            ("/", "en", "", "English"),
            ("/ko/", "ko", ' aria-current="true"', "한국어"),
            ("/zh-hans/", "zh-hans", "", "简体中文"),
        ]
        assert "<form" not in switcher

    def test_a_link_switches_the_language_of_the_same_page_without_a_cookie(self, client):
        privacy = reverse("petitions:privacy")
        switcher = part(client.get(privacy).text, SWITCHER)
        links = {code: link for link, code, _, _ in SWITCHER_LINK.findall(switcher)}

        response = client.get(links["zh-hans"])

        assert links["zh-hans"] == f"/zh-hans{privacy}"
        assert '<html lang="zh-hans">' in response.text
        assert not response.cookies
        assert '<html lang="en">' in client.get(privacy).text

    def test_a_page_without_other_languages_links_to_the_home_page_in_each(self, client):
        switcher = part(client.get("/ko/no-such-page/").text, SWITCHER)

        links = [link for link, *_ in SWITCHER_LINK.findall(switcher)]
        assert links == ["/", "/ko/no-such-page/", "/zh-hans/"]

    def test_pages_outside_the_localised_addresses_follow_the_browsers_languages(self, client):
        response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="ko")

        assert '<html lang="ko">' in response.text
        assert "Accept-Language" in response.headers["Vary"]


class TestFooter:
    @pytest.mark.parametrize(
        "path", [reverse("petitions:list"), reverse("petitions:privacy"), "/no-such-page/"]
    )
    def test_names_the_organisation_and_its_contact_address(self, client, settings, path):
        settings.SITE_ORGANISATION_NAME = "Rights Watch Example"
        settings.SITE_CONTACT_EMAIL = "hello@rights.example"

        footer = part(client.get(path).text, r'<footer class="site-footer">.*?</footer>')

        assert "Rights Watch Example" in footer
        assert '<a href="mailto:hello@rights.example">hello@rights.example</a>' in footer
        assert f'href="{reverse("petitions:about")}"' in footer
        assert f'href="{reverse("petitions:privacy")}"' in footer

    def test_organisation_and_contact_are_read_from_the_environment(self):
        result = run_manage(
            "shell",
            "--no-imports",
            "-c",
            "from django.conf import settings as s; "
            "print(s.SITE_ORGANISATION_NAME, s.SITE_CONTACT_EMAIL, sep='|')",
            DJANGO_DEBUG="on",
            SITE_ORGANISATION_NAME="Rights Watch Example",
            SITE_CONTACT_EMAIL="hello@rights.example",
        )

        assert result.stdout.strip() == "Rights Watch Example|hello@rights.example", result.stderr


class TestFavicon:
    def test_pages_link_an_svg_icon_and_fallbacks(self, client):
        head = part(client.get(reverse("petitions:list")).text, r"<head>.*?</head>")

        assert f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">' in head
        assert f'<link rel="icon" href="{static("favicon.ico")}" sizes="32x32">' in head
        assert f'<link rel="apple-touch-icon" href="{static("apple-touch-icon.png")}">' in head

    def test_favicon_ico_at_the_root_leads_to_the_icon(self, client):
        response = client.get("/favicon.ico")

        assert response.status_code == 302
        assert response["Location"] == static("favicon.ico")
        assert "max-age=86400" in response["Cache-Control"]

    @pytest.mark.parametrize(
        ("name", "magic"),
        [
            ("favicon.ico", b"\x00\x00\x01\x00"),
            ("apple-touch-icon.png", b"\x89PNG\r\n\x1a\n"),
            ("favicon.svg", b"<svg "),
        ],
    )
    def test_icon_files_are_what_their_names_say(self, name, magic):
        path = finders.find(name)

        assert path is not None
        with open(path, "rb") as icon:
            assert icon.read(len(magic)) == magic
