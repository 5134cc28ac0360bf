"""The benchmark suite of issue 4: `./dev bench --profile tiny|small|large` (see __main__.py)."""
