"""Two-way CalDAV calendar sync of each user's calls and meetings (docs/decisions/0011-calendar-sync.md)."""
