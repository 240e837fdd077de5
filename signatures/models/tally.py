"""The counts of confirmed signatures by petition and country, in shards."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from petitions.models import Petition


class SignatureTally(models.Model):
    """One of several counters per petition and country; their sum is the confirmed count.

    Confirmations add to a random shard, so concurrent signers rarely wait on the same row.
    """

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="signature_tallies"
    )
    country = models.CharField(max_length=2)
    shard = models.PositiveSmallIntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("signature tally")
        verbose_name_plural = _("signature tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "country", "shard"], name="signatures_tally_unique_shard"
            ),
        ]

    def __str__(self):
        return f"{self.petition_id}/{self.country}/{self.shard}: {self.count}"
