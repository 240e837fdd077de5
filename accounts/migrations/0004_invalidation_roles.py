"""Every role may create, preview, start, cancel and undo invalidations (README, "Staff roles").

Moderators invalidate signatures one by one already; an invalidation does it by criteria.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

INVALIDATIONS = [
    ("signatures", "add_invalidation"),
    ("signatures", "change_invalidation"),
    ("signatures", "view_invalidation"),
    ("signatures", "run_invalidation"),
]
ROLES = ("Moderator", "Campaign staff", "Organiser")


def _permissions(apps):
    # On a fresh database Django creates permissions only after every migration has run.
    app_config = apps.get_app_config("signatures")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in INVALIDATIONS
    ]


def grant(apps, schema_editor):
    permissions = _permissions(apps)
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    permissions = _permissions(apps)
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_staff_roles"),
        ("signatures", "0014_invalidations"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
