"""Two-way CalDAV calendar sync of each user's calls and meetings (docs/decisions/0009-calendar-sync.md)."""
