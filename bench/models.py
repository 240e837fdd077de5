from django.db import models


class BaselineRow(models.Model):
    """What the bare form baseline inserts: one row per submission, nothing else."""

    name = models.CharField(max_length=100)
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name
