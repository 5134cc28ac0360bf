"""Public entry point of the company and contact normalisers; the code lives in `accounts.normalisation`."""

from accounts.normalisation import *  # noqa: F403
from accounts.normalisation import __all__ as __all__
