# The CRM image: web (gunicorn), worker and beat (celery) and the one-shot migrate all run it.
# Build: docker build -t crm .      Run: see docker-compose.yml and the README.

# --- build: the pinned dependencies, static files and compiled translations -------------------------
FROM python:3.12-slim AS build
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# gettext only to compile the translations; it does not reach the runtime image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
# Dependencies first, for layer caching: the runtime dependencies of pyproject.toml (no dev tools),
# each at the version of requirements.lock.
COPY pyproject.toml requirements.lock ./
RUN pip install -c requirements.lock . && rm -rf build crm.egg-info
COPY . .
# Settings need these at import; none of them is used by collectstatic or compilemessages.
RUN export DJANGO_SETTINGS_MODULE=crm.settings.production SECRET_KEY=build-only EMAIL_URL=consolemail:// \
      DATABASE_URL=postgres://build@localhost/build DATABASE_OWNER_URL=postgres://build@localhost/build \
 && python manage.py collectstatic --noinput --verbosity 0 \
 && if find . -path ./var -prune -o -name '*.po' -print | grep -q .; then \
      python manage.py compilemessages --ignore var --verbosity 0; fi \
 && rm -rf var/cache var/broker var/results

# --- runtime ----------------------------------------------------------------------------------------
FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=crm.settings.production
# WeasyPrint's libraries and a font for the PDF quotes.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 crm \
 && useradd --system --uid 10001 --gid crm --home-dir /app --shell /usr/sbin/nologin crm
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /app /app
WORKDIR /app
# The code stays read-only to the process; only var/media (uploads) is writable, usually a volume.
RUN mkdir -p /app/var/media && chown crm:crm /app/var/media
USER crm
EXPOSE 8000
CMD ["gunicorn", "crm.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
