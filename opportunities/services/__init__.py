"""Writes on opportunities, the catalogue and quotes. Pages, API, imports, lead conversion and tasks
all call these. Modules: `defaults` (a tenant's first pipeline and catalogues), `pipeline`
(opportunities and their stage moves); quotes and the catalogue add theirs."""

from opportunities.services.defaults import pipeline_defaults_ensure
from opportunities.services.pipeline import (
    MissingRequiredFields,
    opportunity_create,
    opportunity_move_stage,
)

__all__ = [
    "MissingRequiredFields",
    "opportunity_create",
    "opportunity_move_stage",
    "pipeline_defaults_ensure",
]
