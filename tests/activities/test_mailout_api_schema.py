"""The e-mail operations answer as the published schema says (the kernel's schemathesis run, limited
to /api/v1/email-templates/ and /api/v1/emails/send/)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, strategies

from tests.api import test_schemathesis as conformance

api_schema = conformance.api_schema
company = conformance.company


def test_the_email_operations_answer_as_the_schema_says(api_schema: Any, company: Any) -> None:
    headers = {"Authorization": f"Bearer {company.key}"}
    operations = [
        result.ok()
        for result in api_schema.get_all_operations()
        if "/email-templates/" in result.ok().path or "/emails/" in result.ok().path
    ]
    failures: dict[str, str] = {}
    for operation in operations:

        @conformance.EXAMPLES
        @given(case=operation.as_strategy(), aimed=strategies.booleans())
        def run(case: Any, aimed: bool) -> None:
            if aimed and isinstance(case.body, dict) and "/emails/send/" in case.operation.path:
                case.body["contact"] = company.contact.pk
            case.call_and_validate(headers=headers, checks=conformance.CHECKS)

        try:
            run()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:
            failures[operation.label] = str(error) + "".join(
                f"\n  - {sub}" for sub in getattr(error, "exceptions", ())
            )
    assert sorted(operation.label for operation in operations) == [
        "GET /api/v1/email-templates/",
        "GET /api/v1/email-templates/{id}/",
        "PATCH /api/v1/email-templates/{id}/",
        "POST /api/v1/email-templates/",
        "POST /api/v1/emails/send/",
    ]
    assert not failures, "\n\n".join(f"{label}:\n{message}" for label, message in failures.items())
