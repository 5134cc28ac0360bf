"""Fill a benchmark database with realistic French B2B data (see crm.benchdata and the README)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from crm.benchdata import PROFILES, load


class Command(BaseCommand):
    help = (
        "Load a benchmark data set (tiny, small or large) with COPY into a benchmark database "
        "(its name contains 'bench'; only benchmark tenants). Deterministic for a seed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--profile", required=True, choices=list(PROFILES), help="data set size")
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="empty the benchmark tables first (refused otherwise when benchmark data is present)",
        )
        parser.add_argument("--database", default="owner", help="database alias (the owner role)")

    def handle(self, *args: Any, **options: Any) -> None:
        result = load(
            options["profile"],
            seed=options["seed"],
            using=options["database"],
            reset_first=options["reset"],
            log=lambda message: self.stdout.write(f"  {message}"),
        )
        self.stdout.write(f"Profile {result.profile}, seed {result.seed}: loaded in {result.seconds:.1f} s")
        width = max(len(table) for table in result.counts)
        for table, count in sorted(result.counts.items()):
            self.stdout.write(f"  {table:<{width}}  {count:>12,}")
        self.stdout.write(f"  {'total':<{width}}  {sum(result.counts.values()):>12,}")
