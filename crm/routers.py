from typing import Any


class OwnerMigratesRouter:
    """Only the owner connection runs migrations; the application role never changes the schema."""

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == "owner"
