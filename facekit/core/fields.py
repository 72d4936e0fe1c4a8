"""Model fields shared by the apps."""

from django.db import models

SEED_BITS = 64
MAX_SEED = 2**SEED_BITS - 1  # the engines' seeds: 0 .. 2**64 - 1
_HALF = 2 ** (SEED_BITS - 1)


class SeedField(models.BigIntegerField):
    """An unsigned 64-bit seed (the engines' seeds: 0 .. 2**64 - 1) in a signed
    64-bit column, as two's complement: SQLite and PostgreSQL have no unsigned
    64-bit integer, and a seed derived from a hash is above 2**63 half the time."""

    description = "Unsigned 64-bit seed"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        if not 0 <= value < 2 * _HALF:
            raise ValueError(f"A seed is between 0 and 2**64 - 1, not {value}.")
        return value - 2 * _HALF if value >= _HALF else value

    def from_db_value(self, value, expression, connection):
        return None if value is None else (value + 2 * _HALF if value < 0 else value)

    def formfield(self, **kwargs):
        return super().formfield(**{"min_value": 0, "max_value": 2 * _HALF - 1, **kwargs})
