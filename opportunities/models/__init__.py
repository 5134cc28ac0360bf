"""Opportunities (pipeline, stages, stage history), the product catalogue and quotes."""

from opportunities.models.catalogue import Price, PriceList, Product, VatRate
from opportunities.models.company import CompanyProfile
from opportunities.models.pipeline import (
    Competitor,
    LossReason,
    Opportunity,
    OpportunityCompetitor,
    OpportunityContactRole,
    OpportunityProduct,
    Pipeline,
    PipelineSettings,
    Stage,
    StageChange,
)
from opportunities.models.quotes import DiscountKind, DiscountLimit, Quote, QuoteLine, QuoteSequence

__all__ = [
    "CompanyProfile", "Competitor", "DiscountKind", "DiscountLimit", "LossReason", "Opportunity",
    "OpportunityCompetitor", "OpportunityContactRole", "OpportunityProduct", "Pipeline",
    "PipelineSettings", "Price", "PriceList", "Product", "Quote", "QuoteLine", "QuoteSequence", "Stage",
    "StageChange", "VatRate",
]  # fmt: skip
