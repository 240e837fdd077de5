import itertools
from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import User
from accounts.services import second_factor_begin, second_factor_confirm
from petitions.models import Demand, Petition
from signatures.identity import email_domain_hash, email_hash, ip_prefix, new_receipt
from signatures.models import ConfirmationToken, Signature, Suspicion
from signatures.name_index import name_index_update
from signatures.services import signature_create

_sequence = itertools.count(1)


def make_petition(*, demands=(), **fields):
    n = next(_sequence)
    values = {
        "slug": f"petition-{n}",
        "title": f"Petition {n}",
        "summary": "A short summary.",
        "body": "The full text of the petition.",
        "target": "The Government",
        "recipient": "The Embassy",
        "organiser_name": "The Organisers",
        "goal": 100,
        "status": Petition.Status.OPEN,
        "opens_at": timezone.now() - timedelta(days=1),
        # Off unless a test is about it: a test client solves no challenge.
        "requires_challenge": False,
    }
    petition = Petition.objects.create(**(values | fields))
    for position, text in enumerate(demands, start=1):
        Demand.objects.create(petition=petition, position=position, text=text)
    return petition


def make_staff(email="staff@example.org", password="a-long-test-password", **fields):
    return User.objects.create_user(email=email, password=password, is_staff=True, **fields)


def make_superuser(email="root@example.org", password="a-long-test-password"):
    return User.objects.create_superuser(email=email, password=password)


def log_in_with_second_factor(client, user):
    """Log the client in as staff who gave their password and a code: the admin is open to it.

    Gives the user a new authenticator, as enrolling does.
    """
    pending = second_factor_begin(user=user)
    second_factor_confirm(user=user, authenticator=pending.authenticator)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = pending.authenticator.persistent_id
    session.save()
    return client


def staff_with(client, *permissions):
    """The client logged in, second factor included, as staff with these permissions."""
    staff = make_staff()
    staff.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    return log_in_with_second_factor(client, staff)


def browser() -> Client:
    """A client that, like every current browser, says where a form was sent from."""
    return Client(headers={"Sec-Fetch-Site": "same-origin"})


def address_in(language, target, *args):
    """A page's address in a language, which is where its language comes from: /ko/petitions/..."""
    with translation.override(language):
        if hasattr(target, "get_absolute_url"):
            return target.get_absolute_url()
        return reverse(target, args=args)


def sign_url(petition):
    return reverse("signatures:sign", args=[petition.slug])


def signing_form(**overrides):
    """What a signer's browser posts from the petition page."""
    return {
        "full_name": "Kim Min-ji",
        "email": "kim@example.org",
        "country": "KR",
        "town": "Seoul",
        "name_visibility": "public",
    } | overrides


def sign(petition, *, email=None, country="GB", **fields) -> Signature:
    values = {
        "full_name": "Kim Min-ji",
        "email": email or f"signer{next(_sequence)}@example.org",
        "country": country,
    }
    return signature_create(petition=petition, **(values | fields))


def make_signatures(
    petition,
    count,
    *,
    created_at,
    ip_address=None,
    email_domain=None,
    status=Signature.Status.PENDING,
    country="GB",
) -> list[Signature]:
    """Signatures made at a given time, as signing and confirming leave them: each from its own
    network and email domain unless told.

    Unconfirmed, a signature's details are in its submission; confirmed, in the signature.
    """
    made = []
    confirmed = status == Signature.Status.CONFIRMED
    for _ in range(count):
        n = next(_sequence)
        email = f"signer{n}@{email_domain or f'domain{n}.example'}"
        address = ip_address or f"10.{n // 256 % 256}.{n % 256}.1"
        details = {
            "full_name": f"Signer {n}",
            "email": email,
            "country": country,
            "ip_address": address,
        }
        signature = Signature.objects.create(
            petition=petition,
            status=status,
            suspicion=Suspicion.IP_HOURLY if status == Signature.Status.SUSPECTED else "",
            email_hash=email_hash(email),
            ip_prefix=ip_prefix(address),
            email_domain_hash=email_domain_hash(email),
            receipt=new_receipt(),
            created_at=created_at,
            confirmed_at=created_at if confirmed else None,
            **(details if confirmed else {}),
        )
        if confirmed:
            name_index_update([signature])
        else:
            ConfirmationToken.objects.create(signature=signature, **details)
        made.append(signature)
    return made


def petition_form(petition, *, holds=(), **changes):
    """The petition's admin change form as its page posts it, with these changes and holds."""
    data = {
        "title": petition.title,
        "slug": petition.slug,
        "summary": petition.summary,
        "body": petition.body,
        "target": petition.target,
        "recipient": petition.recipient,
        "organiser_name": petition.organiser_name,
        "language": petition.language,
        "goal": str(petition.goal),
        "status": petition.status,
        "retention_days": str(petition.retention_days),
        **_split_moment("opens_at", petition.opens_at),
        **_split_moment("closes_at", petition.closes_at),
        "demands-TOTAL_FORMS": "0",
        "demands-INITIAL_FORMS": "0",
        "demands-MIN_NUM_FORMS": "0",
        "demands-MAX_NUM_FORMS": "1000",
        "retention_holds-TOTAL_FORMS": str(len(holds)),
        "retention_holds-INITIAL_FORMS": "0",
        "retention_holds-MIN_NUM_FORMS": "0",
        "retention_holds-MAX_NUM_FORMS": "1000",
    }
    for index, hold in enumerate(holds):
        data[f"retention_holds-{index}-petition"] = str(petition.pk)
        for field, value in hold.items():
            data[f"retention_holds-{index}-{field}"] = str(value)
    return data | {field: str(value) for field, value in changes.items()}


def _split_moment(name, moment):
    """A moment as the admin's two boxes post it, in the site's time zone."""
    if moment is None:
        return {}
    local = timezone.localtime(moment)
    return {f"{name}_0": f"{local:%Y-%m-%d}", f"{name}_1": f"{local:%H:%M:%S}"}


def staff_in(role, email=None):
    """A staff member in one of the roles (groups) the migrations create, logged in."""
    user = make_staff(email=email or f"{role.lower().replace(' ', '-')}@example.org")
    user.groups.add(Group.objects.get(name=role))
    return log_in_with_second_factor(Client(), user)
