"""Quotes and the product catalogue for people and integrations: pages, forms, API, PDF, tasks,
admin, search and demo data. The writes are in opportunities/services (catalogue, quotes)."""
