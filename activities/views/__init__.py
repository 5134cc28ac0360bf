"""Activity pages, one module per part (timeline and records here; e-mail, tasks and agenda elsewhere)."""
