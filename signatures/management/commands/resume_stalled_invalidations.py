from django.core.management.base import BaseCommand

from signatures.invalidations import invalidations_resume_stalled


class Command(BaseCommand):
    help = (
        "Queue again every invalidation, or undoing of one, whose worker stopped part of the way "
        "through (run every 10 minutes)."
    )

    def handle(self, *args, **options):
        resumed = invalidations_resume_stalled()
        for invalidation in resumed:
            self.stdout.write(
                f"Invalidation {invalidation.pk} ({invalidation.get_state_display()}) had "
                "stopped moving: queued again."
            )
        if not resumed:
            self.stdout.write("No invalidation has stopped moving.")
