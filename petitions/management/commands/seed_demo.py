from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from petitions.demo import PETITIONS, petition_fields
from petitions.models import Demand, Petition


class Command(BaseCommand):
    help = "Create or refresh the demo petitions. Safe to run again: it never duplicates rows."

    @transaction.atomic
    def handle(self, *args, **options):
        now = timezone.now()
        for spec in PETITIONS:
            petition, created = Petition.objects.get_or_create(
                slug=spec["slug"], defaults=petition_fields(spec, now)
            )
            for position, text in enumerate(spec["demands"], start=1):
                Demand.objects.get_or_create(
                    petition=petition, position=position, defaults={"text": text}
                )
            verb = "Created" if created else "Already present"
            self.stdout.write(f"{verb}: {petition.title}")
