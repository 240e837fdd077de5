import pytest
from django.utils import timezone

from deliveries.dossier import MissingFont, required_fonts
from deliveries.signing import new_signing_key_text
from signatures.models import Signature
from signatures.services import signature_withdraw
from tests.factories import make_petition, sign

NAMES = {
    "Zoë Łukasiewicz-Ñúñez": "PL",
    "Алексей Смирнов": "RU",
    "김민지": "KR",
    "王小明": "CN",
    "山田 花子": "JP",
    "محمد الأحمد": "EG",
    "דוד כהן": "IL",
}


def fonts_missing():
    try:
        required_fonts()
    except MissingFont as missing:
        return str(missing)
    return None


# Only building a dossier needs the fonts; everything else runs without them.
needs_fonts = pytest.mark.skipif(
    fonts_missing() is not None, reason=f"the dossier's fonts: {fonts_missing()}"
)


@pytest.fixture(autouse=True)
def delivery_settings(settings, tmp_path):
    settings.DELIVERY_SIGNING_KEY = new_signing_key_text()
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def founding(confirmed, committed):
    """A petition with signatures of every kind; only `included` belong in its delivery."""
    petition = make_petition(
        slug="refugee-status",
        title="Refugee status for North Koreans",
        target="The Government of the People's Republic of China",
        demands=["Stop the returns", "Grant refugee status", "Let the UNHCR in"],
    )
    included = [
        confirmed(petition, full_name=name, country=country, town="Town", name_visibility="public")
        for name, country in NAMES.items()
    ]
    # A town too, which the list must leave out with the name.
    included.append(
        confirmed(
            petition, full_name="Hidden Person", town="Hidden Town", name_visibility="anonymous"
        )
    )
    included.append(confirmed(petition, full_name='=HYPERLINK("http://evil")', country="GB"))
    withdrawn = confirmed(petition, full_name="Withdrawn Person")
    signature_withdraw(signature=withdrawn)
    invalidated = confirmed(petition, full_name="Invalid Person")
    Signature.objects.filter(pk=invalidated.pk).update(status=Signature.Status.INVALIDATED)
    with committed():
        pending = sign(petition, full_name="Pending Person")
    cutoff = timezone.now()
    late = confirmed(petition, full_name="Late Person")
    return {
        "petition": petition,
        "cutoff": cutoff,
        "included": included,
        "left_out": [withdrawn, invalidated, pending, late],
    }
