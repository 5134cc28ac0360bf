"""The duplicates queue (spec 4.2.1): a nightly scan of existing accounts and contacts fills it with
scored pairs; members work it from a page (merge, or "not a duplicate")."""
