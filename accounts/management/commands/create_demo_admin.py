import secrets

from django.core.management.base import BaseCommand

from accounts.models import User

DEMO_EMAIL = "admin@example.org"


class Command(BaseCommand):
    help = "Create a staff superuser for local demos, once, and print its password."

    def add_arguments(self, parser):
        parser.add_argument("--email", default=DEMO_EMAIL)

    def handle(self, *args, email, **options):
        if User.objects.filter(email__iexact=email).exists():
            self.stdout.write(
                f"Demo admin {email} already exists; "
                f"`manage.py changepassword {email}` sets a new password."
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(email=email, password=password)
        self.stdout.write(self.style.SUCCESS(f"Created demo admin: {email} / password: {password}"))
