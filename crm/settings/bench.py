"""The benchmark server (`./dev bench`): production settings, runnable on 127.0.0.1 over plain HTTP.

Everything that shapes the speed stays as in production (DEBUG off, argon2, whitenoise's compressed
manifest, the same middleware); only what needs TLS or a real domain is relaxed. With CRM_BENCHMARK=1
the bench instrumentation is mounted (crm/bench_mode.py): the X-Queries header and the framework floor
page. Neither exists under any other settings module, so the attack and permission suites never see them.
"""

import os

# Production reads these from the environment; the bench server is local and throwaway.
os.environ.setdefault("EMAIL_URL", "consolemail://")
from .production import *  # noqa: F403

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]  # whatever .env says for the real deployment
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
# collectstatic writes into a temporary folder of the run (the runner sets STATIC_ROOT).
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "bench-static"))  # noqa: F405

CRM_BENCHMARK = env.bool("CRM_BENCHMARK", default=False)  # noqa: F405
if CRM_BENCHMARK:
    # Outermost, so that the count includes the sessions, authentication and tenant middleware.
    MIDDLEWARE = ["crm.bench_mode.QueryCountMiddleware", *MIDDLEWARE]  # noqa: F405
    CRM_TENANT_URLCONF = "crm.bench_mode"
