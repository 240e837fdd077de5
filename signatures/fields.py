from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.utils.functional import cached_property

from . import sealing


class SealedAttribute(DeferredAttribute):
    """Reads a sealed field's clear value, opening what the database returned on first read."""

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, sealing.Sealed):
            value = self.field.unseal(value, instance)
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value


class SealedField(models.TextField):
    """Text sealed at rest (signatures/sealing.py), read and written in clear through the model.

    The value is bound to its row by the field named by the model's `sealed_row_field`, which
    must be known before the row is inserted and never change. Saving the model seals it; the
    database compares only sealed values, so a lookup by clear value raises instead of finding
    nothing. `values()` and `values_list()` give `Sealed` values, which `unseal_for_row` opens
    (`SignatureQuerySet.opened_rows` does it for a whole list).
    """

    descriptor_class = SealedAttribute
    allowed_lookups = frozenset({"exact", "isnull", "in"})

    def __init__(self, *args, row_field=None, **kwargs):
        self.row_field = row_field
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls, name, private_only=False):
        # Declared once on an abstract model, each concrete model names its own row.
        if self.row_field is None:
            self.row_field = getattr(cls, "sealed_row_field", None)
        super().contribute_to_class(cls, name, private_only)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.row_field is not None:
            kwargs["row_field"] = self.row_field
        return name, path, args, kwargs

    def get_lookup(self, lookup_name):
        if lookup_name not in self.allowed_lookups:
            return None
        return super().get_lookup(lookup_name)

    def from_db_value(self, value, expression, connection):
        return sealing.Sealed(value) if value else value

    def get_prep_value(self, value):
        if isinstance(value, sealing.Sealed):
            return value.text
        if value is None or value == "":
            return value
        raise TypeError(
            f"{self.model._meta.label}.{self.name} is sealed at rest: save the model to write "
            "it, and find rows by a hash rather than by its value."
        )

    def pre_save(self, model_instance, add):
        value = model_instance.__dict__[self.attname]
        if value is None or value == "":
            return value
        if isinstance(value, sealing.Sealed):
            if sealing.is_current(value.text):
                return value
            # Loaded under an older key and never read: saved under the current one, so that a
            # save racing `reseal_signer_details` never writes back what it moved away from.
            value = self.unseal(value, model_instance)
        return self.seal_for_row(str(value), self.row_of(model_instance))

    def row_of(self, instance):
        value = getattr(instance, self.row_field)
        if value is None:
            raise ValueError(f"{self.model._meta.label} has no {self.row_field} to seal with.")
        return self.model._meta.get_field(self.row_field).to_python(value)

    @cached_property
    def _context_prefix(self) -> bytes:
        return sealing.context_prefix(self.model._meta.label_lower, self.name)

    def context_for_row(self, row) -> bytes:
        # As sealing.context(label, name, row) makes it, a little faster for a long export.
        return self._context_prefix + str(row).encode()

    def seal_for_row(self, value: str, row) -> sealing.Sealed:
        """The value as saving the model seals it, for writers that bypass the model (COPY)."""
        return sealing.seal(value, self.context_for_row(row))

    def sealer(self):
        """seal_for_row's text, faster for many rows: a function of the clear value and the row
        as bytes (`str(row).encode()`), under the key current when it was made."""
        return sealing.sealer(self._context_prefix)

    def unseal(self, value: sealing.Sealed, instance) -> str:
        return self.unseal_for_row(value, self.row_of(instance))

    def unseal_for_row(self, value, row) -> str:
        """A value of `values_list()` (Sealed), or read by raw SQL (str), opened for its row."""
        if not value:
            return value
        text = value.text if isinstance(value, sealing.Sealed) else value
        return sealing.unseal(text, self.context_for_row(row))
