from django.core.management.base import BaseCommand, CommandError

from signatures.sealing import SealError, UnknownKey, keyring
from signatures.services import signer_details_reseal


class Command(BaseCommand):
    help = (
        "Seal every signer's name, email address, town and IP address under SIGNATURE_DATA_KEY, "
        "opening what older keys sealed with SIGNATURE_DATA_OLD_KEYS. Safe while the site runs "
        "and safe to run again; once it reports nothing left, the old keys can go."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="Rows read and written per transaction."
        )

    def handle(self, *args, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        reported = {}

        def progress(model, done, total):
            # About every tenth, and at the end.
            step = max(total // 10, 1)
            if done >= total or done // step != reported.get(model, 0) // step:
                self.stdout.write(f"{model._meta.verbose_name_plural}: {done:,} of {total:,} read")
            reported[model] = done

        try:
            resealed, changing = signer_details_reseal(batch_size=batch_size, progress=progress)
        except UnknownKey as error:
            raise CommandError(f"{error} Add that key to SIGNATURE_DATA_OLD_KEYS.") from error
        except SealError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{resealed:,} rows resealed under key {keyring().current_id}.")
        if changing:
            self.stdout.write(
                f"{changing:,} rows kept changing while they were read and were left as they "
                "are; run the command again."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS("Every signer's details are under the current key.")
            )
