"""`field__any_of=<array>`: `field = ANY(<array>)`, for predicates OR-ed together over large tables.

Record visibility is an OR of "owner in (me and those below me)", "territory in (mine)", "owner in (the
owners shared with my teams)", "id in (my manual shares)". Written `field IN (SELECT …)`, PostgreSQL
checks each branch row by row (hashed SubPlans), so a rep's first page read the whole tenant in name
order until 51 visible rows turned up (34 ms for a million accounts; seconds with a sort on another
column). Written `field = ANY(ARRAY(SELECT …))`, each array is computed once (an InitPlan) and each
branch is an index condition: the branches become one BitmapOr of index scans over the visible rows only.
Same rows either way (NULL matches neither).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Field, ForeignObject, Lookup


@Field.register_lookup
@ForeignObject.register_lookup
class AnyOf(Lookup):  # type: ignore[type-arg]
    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value: Any, connection: Any) -> Any:
        return (
            ("%s", [value]) if not hasattr(value, "as_sql") else super().get_db_prep_lookup(value, connection)
        )

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        """The value must be an expression giving an array (RawSQL "ARRAY(…)", ArraySubquery)."""
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)
