"""API conformance: requests generated from the published schema (/api/v1/schema/), sent in-process to
the WSGI application with a company administrator's key against the test database. No answer may be a
server error, and every answer must be one the schema documents (status code, content type, body,
headers). Examples are few and derandomised: the run is the same every time and takes seconds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings, strategies
from schemathesis import checks

from accounts.models import Account, Contact
from crm.roles import Role
from crm.services import api_key_create
from crm.tenancy import tenant_scope

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@pytest.fixture
def api_schema(db: None, settings: Any) -> Iterator[Any]:
    # Schemathesis' WSGI client calls the application as host "localhost".
    settings.ALLOWED_HOSTS = ["localhost"]
    # As Django's test client does: a request must not close the test's connection (and its transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@dataclass
class Company:
    key: str
    account: Account
    contact: Contact


@pytest.fixture
def company(tenant, member) -> Company:
    """A company administrator's key, in a company with an account and a contact to find."""
    admin = member(tenant, Role.TENANT_ADMIN)
    with tenant_scope(tenant):
        account = Account.objects.create(
            legal_name="Conformité SA", owner=admin.user, estimated_potential=Decimal("1000")
        )
        contact = Contact.objects.create(
            account=account,
            owner=admin.user,
            first_name="Anne",
            last_name="Conforme",
            email="anne.conforme@example.fr",
            mobile="+33611223344",
        )
        key = api_key_create(tenant=tenant, name="Conformité", role=Role.TENANT_ADMIN, actor=admin.user)[1]
    return Company(key=key, account=account, contact=contact)


def aim_at_the_company(case: Any, company: Company) -> None:
    """Random ids almost never name a record: half the examples are pointed at the company's own
    account or contact (with its current `version` for a change), so that reads and changes of real
    records are checked too, not only 404s."""
    record: Account | Contact = company.contact if "/contacts/" in case.operation.path else company.account
    if "id" in (case.path_parameters or {}):
        with tenant_scope(record.tenant):
            record.refresh_from_db()
        case.path_parameters["id"] = record.pk
        if isinstance(case.body, dict) and case.method.upper() == "PATCH":
            case.body["version"] = record.version
    if isinstance(case.body, dict) and "account" in case.body:
        case.body["account"] = company.account.pk


# Schemathesis' own pytest integration (`from_fixture`) does not run under pytest 9 (it sets a private
# attribute pytest removed): each operation is run here with Hypothesis directly, and every failing
# operation is reported, not only the first.
EXAMPLES = settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_the_api_answers_as_its_schema_says(api_schema: Any, company: Company) -> None:
    headers = {"Authorization": f"Bearer {company.key}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    failures: dict[str, str] = {}
    for operation in operations:

        @EXAMPLES
        @given(case=operation.as_strategy(), aimed=strategies.booleans())
        def run(case: Any, aimed: bool) -> None:
            if aimed:
                aim_at_the_company(case, company)
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # schemathesis raises an exception group: reported below
            failures[operation.label] = str(error) + "".join(
                f"\n  - {sub}" for sub in getattr(error, "exceptions", ())
            )
    assert len(operations) >= 10, [operation.label for operation in operations]
    assert not failures, "\n\n".join(f"{label}:\n{message}" for label, message in failures.items())
