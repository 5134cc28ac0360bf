"""Manual shares of one account with a user or a team: tables, page, API (governance.sharing holds
the rules and the services)."""
