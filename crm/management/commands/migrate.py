"""`migrate` runs as the owner role by default: the application role has no right to change the schema."""

from argparse import ArgumentParser

from django.core.management.commands.migrate import Command as DjangoMigrateCommand


class Command(DjangoMigrateCommand):
    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(database="owner")
