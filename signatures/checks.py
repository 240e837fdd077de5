from django.conf import settings
from django.core.cache import caches
from django.core.checks import Error, Tags, register
from django.tasks import task_backends


@register(Tags.security, deploy=True)
def emails_are_queued(app_configs, **kwargs):
    # A backend that cannot defer sends inside the request: a slow mail server holds the
    # signer's request, failed emails are never retried, and response times reveal whether an
    # address has already signed.
    if task_backends["default"].supports_defer:
        return []
    return [
        Error(
            "Signers' emails are sent inside the request.",
            hint="Set DJANGO_TASKS_BACKEND=django_tasks_db.DatabaseBackend and run db_worker.",
            id="signatures.E001",
        )
    ]


@register(Tags.caches)
def cache_counts_signing_limits(app_configs, **kwargs):
    # The signing limits count in one call of the cache, which our own backends offer.
    if hasattr(caches["default"], "count_and_read"):
        return []
    return [
        Error(
            "The default cache cannot count the signing limits.",
            hint="Set CACHE_URL to redis://… or locmemcache://.",
            id="signatures.E002",
        )
    ]


@register(Tags.security, deploy=True)
def signer_keys_are_secret(app_configs, **kwargs):
    # The development keys are in the code for anyone to read: what they seal or hash is as
    # good as clear.
    development = {settings.DEVELOPMENT_SIGNATURE_DATA_KEY, settings.DEVELOPMENT_SIGNATURE_HASH_KEY}
    data_keys = {settings.SIGNATURE_DATA_KEY, *settings.SIGNATURE_DATA_OLD_KEYS}
    errors = []
    if development & {*data_keys, settings.SIGNATURE_HASH_KEY}:
        errors.append(
            Error(
                "Signers' details are sealed or hashed under a development key.",
                hint="Set SIGNATURE_DATA_KEY and SIGNATURE_HASH_KEY to keys of your own.",
                id="signatures.E003",
            )
        )
    if settings.SIGNATURE_HASH_KEY in data_keys:
        # The data key is rotated, the hash key never: one key cannot be both.
        errors.append(
            Error(
                "SIGNATURE_HASH_KEY is also a key that seals signers' details.",
                hint="Give SIGNATURE_HASH_KEY a key of its own.",
                id="signatures.E004",
            )
        )
    return errors
