"""The fixed roles (profiles) of the specification, section 4.1. Stored on each membership."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TENANT_ADMIN = "tenant_admin", _("Company administrator")
    SALES_DIRECTOR = "sales_director", _("Sales director")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    FIELD_SALES_REP = "field_sales_rep", _("Field sales representative")
    INSIDE_SALES_REP = "inside_sales_rep", _("Inside sales representative")
    MARKETING_MANAGER = "marketing_manager", _("Marketing manager")
    MARKETING_USER = "marketing_user", _("Marketing user")
    SUPPORT_SUPERVISOR = "support_supervisor", _("Support supervisor")
    SUPPORT_AGENT = "support_agent", _("Support agent")
    FINANCE = "finance", _("Finance (read-only)")
