import re
from datetime import timedelta

import pytest
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone, translation

from signatures.models import Signature
from signatures.selectors import recent_public_signers
from tests.factories import address_in, make_petition

pytestmark = pytest.mark.django_db


def signed_ago(signature, **elapsed):
    moment = timezone.now() - timedelta(**elapsed)
    Signature.objects.filter(pk=signature.pk).update(confirmed_at=moment)
    return moment


def recent_signers_text(html):
    found = re.search(r'<ul class="recent-signers">(.*?)</ul>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1)))


class TestRecentPublicSigners:
    def test_page_says_how_long_ago_each_signed_in_the_readers_language(self, client, confirmed):
        petition = make_petition()
        signed = signed_ago(confirmed(petition, name_visibility="public"), hours=3, minutes=30)

        english = client.get(petition.get_absolute_url()).text
        # Served from the cache the first reader filled: the time is rendered for each reader.
        korean = client.get(address_in("ko", petition)).text

        assert "3 hours ago" in recent_signers_text(english)
        with translation.override("ko"):
            korean_time = naturaltime(signed).replace("\xa0", " ")
        assert korean_time in recent_signers_text(korean)
        assert korean_time != "3 hours ago"

    def test_time_of_signing_is_public_only_to_the_minute(self, client, confirmed):
        petition = make_petition()
        signed = signed_ago(confirmed(petition, name_visibility="public"), minutes=5, seconds=20)

        [signer] = recent_public_signers(petition)

        assert signer.confirmed_at == signed.replace(second=0, microsecond=0)
        html = client.get(petition.get_absolute_url()).text
        assert f'datetime="{signer.confirmed_at.isoformat()}"' in html
        assert signed.isoformat() not in html

    def test_names_are_opened_from_one_query_however_many_signers(
        self, confirmed, django_assert_num_queries
    ):
        petition = make_petition()
        for name in ("Anna Smith", "Bora Kim", "Chen Wei"):
            confirmed(petition, full_name=name, name_visibility="public")

        with django_assert_num_queries(1):
            signers = recent_public_signers(petition)

        assert sorted(signer.name for signer in signers) == ["Anna", "Bora", "Chen"]

    def test_they_are_read_once_and_then_kept(self, confirmed, django_assert_num_queries):
        petition = make_petition()
        confirmed(petition, full_name="Anna Smith", name_visibility="public")
        first = recent_public_signers(petition)

        with django_assert_num_queries(0):
            again = recent_public_signers(petition)

        assert again == first
