"""Test settings: the same stack as production (PostgreSQL, Redis, a real worker), faster hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")

from .base import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed: tests hash many passwords
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEBUG = False
