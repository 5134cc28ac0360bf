"""Writes on opportunities, the catalogue and quotes. Pages, API, imports, lead conversion and tasks
all call these. Modules: `defaults` (a tenant's first pipeline and catalogues), `pipeline`
(opportunities and their stage moves), `editing` (changes outside moves, deletion); quotes and the
catalogue add theirs."""

from opportunities.services.defaults import pipeline_defaults_ensure
from opportunities.services.editing import (
    OPPORTUNITY_FIELDS,
    opportunity_contact_role_remove,
    opportunity_contact_role_set,
    opportunity_delete,
    opportunity_product_remove,
    opportunity_product_set,
    opportunity_update,
)
from opportunities.services.pipeline import (
    MissingRequiredFields,
    opportunity_create,
    opportunity_move_stage,
)

__all__ = [
    "OPPORTUNITY_FIELDS",
    "MissingRequiredFields",
    "opportunity_contact_role_remove",
    "opportunity_contact_role_set",
    "opportunity_create",
    "opportunity_delete",
    "opportunity_move_stage",
    "opportunity_product_remove",
    "opportunity_product_set",
    "opportunity_update",
    "pipeline_defaults_ensure",
]
