"""The agenda (spec 2.3.2): calendar pages, sharing rules, the ICS feed, invitations and .ics import."""
