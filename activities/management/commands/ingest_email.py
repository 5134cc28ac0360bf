"""Store one RFC 5322 message in a tenant, as if it had reached the dropbox:

    manage.py ingest_email --tenant durand message.eml
    manage.py ingest_email --tenant durand - < message.eml

Prints what happened (logged on which contacts, sent to the review queue, or rejected and why); the
exit status is 1 when the message is rejected."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from activities.email.inbound import Outcome, email_ingest
from activities.models import EmailMessage
from crm.management.base import TenantCommand


class Command(TenantCommand):
    help = "Store one e-mail (a file, or - for standard input) in a tenant, as the dropbox would."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("path", nargs="?", default="-", help="the message file, or - for standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"]
        if path == "-":
            raw = sys.stdin.buffer.read()
        else:
            try:
                raw = Path(path).read_bytes()
            except OSError as error:
                raise CommandError(
                    _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror}
                ) from None
        result = email_ingest(raw=raw, source=EmailMessage.Source.FILE)
        for note in result.notes:
            self.stdout.write(note)
        if result.outcome == Outcome.REJECTED:
            raise CommandError(result.describe())
        self.stdout.write(result.describe())
