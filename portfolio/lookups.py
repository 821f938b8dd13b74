"""An `in` lookup for integer columns that, like Django's `exact`, never sends an impossible id.

Django checks the range of a single integer (`pk=10**20` simply matches nothing) but not the
members of an `in` list, so `pk__in=[10**20]` reached SQLite as an OverflowError, a 500 for
any form or query-string id. Registered on IntegerField (ids, foreign-key targets and every
integer subclass), it leaves out the values the column cannot hold; an empty list then
matches nothing, as it would for an unknown id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import IntegerField
from django.db.models.lookups import In

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType


@IntegerField.register_lookup
class IntegerFieldIn(In):
    def process_rhs(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _AsSqlType:
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(
                self.lhs.output_field.get_internal_type()
            )
            self.rhs = [
                value for value in self.rhs if not isinstance(value, int) or low <= value <= high
            ]
        return super().process_rhs(compiler, connection)
