"""The three staff roles, as groups holding exactly these permissions (README, "Staff roles").

Each role holds everything of the one before it. Later permissions for a role (invalidations,
writing to signers) are granted by the migration that brings them.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATOR = [
    ("petitions", "view_petition"),
    ("petitions", "view_demand"),
    ("petitions", "view_retentionhold"),
    ("signatures", "view_signature"),
    ("signatures", "approve_signature"),
    ("signatures", "invalidate_signature"),
    ("signatures", "view_trendingalert"),
    ("signatures", "view_signinglimits"),
    ("signatures", "view_sourcerule"),
]
CAMPAIGN_STAFF = [
    *MODERATOR,
    ("petitions", "add_petition"),
    ("petitions", "change_petition"),
    ("petitions", "add_demand"),
    ("petitions", "change_demand"),
    ("petitions", "delete_demand"),
    ("signatures", "withdraw_signature"),
]
ORGANISER = [
    *CAMPAIGN_STAFF,
    ("petitions", "add_retentionhold"),
    ("signatures", "view_full_email"),
    ("deliveries", "view_delivery"),
    ("deliveries", "prepare_delivery"),
    ("deliveries", "view_deliveryfile"),
    ("deliveries", "export_signatures"),
    ("deliveries", "view_exportrecord"),
    ("audit", "view_auditentry"),
]
ROLES = {"Moderator": MODERATOR, "Campaign staff": CAMPAIGN_STAFF, "Organiser": ORGANISER}


def create_roles(apps, schema_editor):
    # On a fresh database Django creates permissions only after every migration has run.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in ROLES.items():
        permissions = [
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
            for app_label, codename in wanted
        ]
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_wants_trending_alerts"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("audit", "0001_initial"),
        ("petitions", "0005_retention"),
        ("signatures", "0011_staff_permissions"),
        ("deliveries", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
