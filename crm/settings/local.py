"""Local development: DEBUG on, mail to the console, cookies over plain HTTP."""

from .base import *  # noqa: F403

DEBUG = env.bool("DEBUG", default=True)  # noqa: F405
STATIC_ROOT = None  # type: ignore[assignment] # runserver serves static files from the finders
WHITENOISE_USE_FINDERS = True
