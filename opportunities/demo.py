"""Demo opportunities for `seed_demo`: the default pipeline and a "Renouvellements" one, about 25
opportunities of the demo accounts' owners across the stages, contact roles, competitors, one overdue
close date, a won and a lost one with its reason. Created and moved through the services, so the
stage history matches each stage. Idempotent (keyed on the opportunity's name)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Account
from crm.models import Membership, Tenant
from opportunities.models import (
    Competitor,
    LossReason,
    Opportunity,
    OpportunityContactRole,
    Pipeline,
    PipelineSettings,
    Stage,
)
from opportunities.services import (
    opportunity_contact_role_set,
    opportunity_create,
    opportunity_move_stage,
    opportunity_update,
    pipeline_defaults_ensure,
)

COMPETITORS = ("Salesforce", "HubSpot", "Sellsy", "Axonaut")
RENEWAL_STAGES: tuple[tuple[str, int, str, list[str]], ...] = (
    ("À renouveler", 60, Stage.Outcome.OPEN, []),
    ("Offre envoyée", 80, Stage.Outcome.OPEN, ["amount"]),
    ("Renouvelé", 100, Stage.Outcome.WON, ["amount"]),
    ("Non renouvelé", 0, Stage.Outcome.LOST, ["loss_reason"]),
)
# name, stage position in its pipeline, amount, days to close (negative: past), pipeline ("" default)
DEMO = [
    ("Déploiement CRM siège", 0, "18000", 90, ""),
    ("Module facturation", 0, "6500", 75, ""),
    ("Formation des équipes", 0, None, 120, ""),
    ("Extension licences", 1, "12000", 60, ""),
    ("Audit sécurité", 1, "9000", 45, ""),
    ("Intégration ERP", 1, "32000", 100, ""),
    ("Portail clients", 1, "27000", 80, ""),
    ("Refonte site e-commerce", 2, "48000", 40, ""),
    ("Application mobile terrain", 2, "36000", 55, ""),
    ("Tableaux de bord direction", 2, "15000", 30, ""),
    ("Migration cloud", 2, "64000", -10, ""),  # overdue close date
    ("Support premium", 3, "22000", 20, ""),
    ("Contrat-cadre groupe", 3, "150000", 25, ""),
    ("Connecteur comptable", 3, "8000", 15, ""),
    ("Signature électronique", 4, "11000", -5, ""),  # won
    ("Gestion des stocks", 5, "27000", -20, ""),  # lost, with a reason
    ("Archivage légal", 6, "5000", -30, ""),  # abandoned
    ("Pilote IA prévisions", 0, "40000", 150, ""),
    ("Téléphonie intégrée", 1, "7000", 70, ""),
    ("Maintenance annuelle 2027", 0, "24000", 60, "renewals"),
    ("Renouvellement licences", 0, "18000", 45, "renewals"),
    ("Hébergement dédié", 1, "30000", 35, "renewals"),
    ("Contrat de support", 1, "12000", 20, "renewals"),
    ("Abonnement SaaS", 2, "9600", -15, "renewals"),
    ("Infogérance", 3, "45000", -25, "renewals"),
]


def _renewals(tenant: Tenant) -> Pipeline:
    pipeline, _created = Pipeline.objects.get_or_create(
        name="Renouvellements", defaults={"tenant": tenant, "position": 1}
    )
    for position, (name, probability, outcome, required) in enumerate(RENEWAL_STAGES):
        Stage.objects.get_or_create(
            pipeline=pipeline,
            name=name,
            defaults={
                "tenant": tenant,
                "position": position,
                "probability": probability,
                "outcome": outcome,
                "required_fields": list(required),
            },
        )
    return pipeline


def seed_opportunities(tenant: Tenant, memberships: dict[str, Membership]) -> str:
    default = pipeline_defaults_ensure(tenant=tenant)
    renewals = _renewals(tenant)
    PipelineSettings.objects.get_or_create(
        tenant=tenant,
        defaults={"manager_notification_threshold": Decimal("50000"), "inactivity_reminder_days": 21},
    )
    competitors = [
        Competitor.objects.get_or_create(name=name, defaults={"tenant": tenant})[0] for name in COMPETITORS
    ]
    accounts = list(Account.objects.order_by("legal_name").prefetch_related("contacts"))
    if not accounts:
        return "opportunities: no demo account"
    reason = LossReason.objects.order_by("position").first()
    today = timezone.localdate()
    created = 0
    for index, (name, position, amount, days, which) in enumerate(DEMO):
        if Opportunity.objects.filter(name=name).exists():
            continue
        pipeline = renewals if which else default
        stages = list(pipeline.stages.order_by("position", "id"))
        account = accounts[index % len(accounts)]
        contacts = list(account.contacts.all())
        owner = account.owner
        opportunity = opportunity_create(
            tenant=tenant,
            actor=owner,
            account=account,
            name=name,
            expected_close_date=today + timedelta(days=max(days, 1)),
            owner=owner,
            pipeline=pipeline,
            amount=Decimal(amount) if amount else None,
            primary_contact=contacts[0] if contacts else None,
            sale_type=Opportunity.SaleType.RENEWAL if which else Opportunity.SaleType.NEW_CUSTOMER,
        )
        target = stages[min(position, len(stages) - 1)]
        values: dict[str, object] = {}
        if target.outcome == Stage.Outcome.LOST:
            values = {"loss_reason": reason, "loss_comment": "Offre concurrente moins chère."}
        if "expected_signature_date" in target.required_fields or position >= 3:
            values["expected_signature_date"] = today + timedelta(days=abs(days))
        for stage in stages[1 : stages.index(target) + 1]:
            if stage.is_closed and stage != target:
                continue
            opportunity = opportunity_move_stage(
                opportunity=opportunity, stage=stage, actor=owner, values=values
            )
        if days < 0:
            # The overdue one keeps a past close date (creation refuses nothing, but reads better this way).
            Opportunity.objects.filter(pk=opportunity.pk).update(
                expected_close_date=today + timedelta(days=days)
            )
        if index % 3 == 0:
            opportunity_update(
                opportunity=opportunity,
                actor=owner,
                data={"competitors": competitors[index % 4 : index % 4 + 2]},
            )
        for contact, role in zip(
            contacts[1:],
            (OpportunityContactRole.Role.DECISION_MAKER, OpportunityContactRole.Role.ECONOMIC_BUYER),
            strict=False,
        ):
            opportunity_contact_role_set(opportunity=opportunity, contact=contact, role=role, actor=owner)
        created += 1
    return f"opportunities: {created} created, {Opportunity.objects.count()} in all"
