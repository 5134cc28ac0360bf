"""Test settings: the same stack as production (PostgreSQL, Redis, a real worker), faster hashing.

The cache uses its own Redis database (15 by default) so that clearing it between tests never touches
a developer's data.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed: tests hash many passwords
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEBUG = False

if REDIS_URL:  # noqa: F405
    TEST_REDIS_URL = env.str("TEST_REDIS_URL", default=REDIS_URL.rsplit("/", 1)[0] + "/15")  # noqa: F405
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": TEST_REDIS_URL}
    }
    CELERY_BROKER_URL = TEST_REDIS_URL
    CELERY_RESULT_BACKEND = TEST_REDIS_URL
else:
    # No Redis: the embedded broker and file cache, in folders of their own (created by ./dev), so that a test
    # run never clears the cache of, nor feeds tasks to, a `./dev run` of the same checkout.
    TEST_VAR_DIR = VAR_DIR / "test"  # noqa: F405
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(TEST_VAR_DIR / "cache"),
        }
    }
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "data_folder_in": str(TEST_VAR_DIR / "broker" / "queue"),
        "data_folder_out": str(TEST_VAR_DIR / "broker" / "queue"),
        "processed_folder": str(TEST_VAR_DIR / "broker" / "processed"),
    }
    CELERY_RESULT_BACKEND = f"file://{TEST_VAR_DIR / 'results'}"
STATIC_ROOT = None  # type: ignore[assignment] # static files come from the finders; nothing is collected for tests
WHITENOISE_USE_FINDERS = True
