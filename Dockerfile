# The productops image: web (gunicorn, the default command), worker and beat (celery) all run it.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    PRODUCTOPS_DATA_DIR=/app/.data \
    WEB_CONCURRENCY=2

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. pyproject.toml declares no
# packages: `pip install .` installs the dependencies and the code runs from /app.
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Static files are collected with the production settings, whose storage writes the hashed
# manifest that whitenoise serves. The values are placeholders: collectstatic connects to
# neither the database nor Redis, and none of them reaches the running containers.
RUN DJANGO_ENV=production \
    SECRET_KEY=collectstatic-only-placeholder \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://x@localhost/x \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput

RUN useradd --system --create-home --uid 10001 productops \
    && mkdir -p /app/.data \
    && chown productops /app/.data
USER productops

EXPOSE 8000
CMD ["gunicorn", "productops.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--no-control-socket"]
