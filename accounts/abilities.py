"""What a staff member may do, in words, read from their permissions.

From the permissions rather than the role's name, so that a custom mix of permissions reads
true as well.
"""

from django.utils.translation import gettext_lazy as _

ABILITIES = (
    ("petitions.view_petition", _("See petitions and their demands.")),
    ("petitions.add_petition", _("Create petitions.")),
    ("petitions.change_petition", _("Edit petitions and their demands, and open or close them.")),
    (
        "petitions.add_retentionhold",
        _("Keep a petition's signers' details past its retention period."),
    ),
    ("signatures.view_signature", _("See signatures, and why suspected ones are held.")),
    ("signatures.approve_signature", _("Approve suspected signatures.")),
    (
        "signatures.approve_signature",
        _("Send pending signers their confirmation link again, within their allowance of emails."),
    ),
    ("signatures.invalidate_signature", _("Invalidate signatures, and restore them.")),
    (
        "signatures.run_invalidation",
        _("Invalidate every signature of a petition that matches some criteria, and undo it."),
    ),
    (
        "signatures.withdraw_signature",
        _("Withdraw signatures for signers who ask, erasing their details."),
    ),
    ("deliveries.export_signatures", _("Export signatures.")),
    ("deliveries.prepare_delivery", _("Prepare deliveries and record their hand-over.")),
    ("audit.view_auditentry", _("Read the audit log.")),
)


def abilities_of(user) -> list[str]:
    abilities = [str(text) for permission, text in ABILITIES if user.has_perm(permission)]
    if user.has_perm("signatures.view_signature"):
        if user.has_perm("signatures.view_full_email"):
            abilities.append(str(_("See signers' full email addresses.")))
        else:
            abilities.append(str(_("See signers' email addresses masked, as in j•••@example.org.")))
    return abilities
