"""Writes on leads, one module per concern; import the services from here."""

from leads.services.config import first_contact_deadline, lead_settings, lead_sources_seed
from leads.services.conversion import (
    Conversion,
    conversion_account_candidates,
    conversion_contact_candidates,
    conversion_missing,
    lead_convert,
)
from leads.services.qualification import (
    lead_disqualify,
    lead_qualification_save,
    lead_qualify,
    qualification_is_complete,
)
from leads.services.records import (
    LEAD_FIELDS,
    Channel,
    ConsentAnswer,
    lead_assign,
    lead_consent_record,
    lead_create,
    lead_create_many,
    lead_log_first_contact,
    lead_normalize,
    lead_update,
)
from leads.services.sweeps import lead_sla_sweep, lead_unassigned_sweep
from leads.services.web_to_lead import Submission, web_form_submit

__all__ = [
    "LEAD_FIELDS",
    "Channel",
    "ConsentAnswer",
    "Conversion",
    "Submission",
    "conversion_account_candidates",
    "conversion_contact_candidates",
    "conversion_missing",
    "first_contact_deadline",
    "lead_assign",
    "lead_consent_record",
    "lead_convert",
    "lead_create",
    "lead_create_many",
    "lead_disqualify",
    "lead_log_first_contact",
    "lead_normalize",
    "lead_qualification_save",
    "lead_qualify",
    "lead_settings",
    "lead_sla_sweep",
    "lead_sources_seed",
    "lead_unassigned_sweep",
    "lead_update",
    "qualification_is_complete",
    "web_form_submit",
]
