# syntax=docker/dockerfile:1
# The production image: gunicorn serving config.wsgi, also used for the Celery
# worker and beat (docker-compose.yml). Three stages:
#   assets  - GOV.UK Frontend, axe-core and Swagger UI from npm (scripts/build_assets.sh)
#   build   - the locked Python environment from uv.lock, without dev tools
#   runtime - the code, the environment and the collected static files, run as a non-root user

FROM node:22-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
COPY scripts/build_assets.sh scripts/build_assets.sh
RUN bash scripts/build_assets.sh


FROM python:3.11-slim-bookworm AS build
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv
# The same uv the project pins in .tools; installing it with pip keeps the image to one base.
RUN pip install --no-cache-dir "uv==0.13.9"
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project


FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    WEB_CONCURRENCY=3 \
    GUNICORN_THREADS=4
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --chown=app:app . .
COPY --from=assets --chown=app:app /build/static/vendor static/vendor

# collectstatic only reads files, but production settings refuse to load
# without their secrets: give it throwaway values that never reach a container.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret \
    DATABASE_URL=postgres://build@localhost/build \
    DJANGO_ALLOWED_HOSTS=localhost \
    CELERY_BROKER_URL=memory:// \
    python manage.py collectstatic --no-input -v 0 \
    && mkdir -p var/media var/celery \
    && chown -R app:app var staticfiles

USER app
EXPOSE 8000
# config/gunicorn.py: threaded workers (WEB_CONCURRENCY processes x GUNICORN_THREADS threads), the app
# loaded and warmed before the workers fork, keep-alive, and the access log on standard output.
CMD ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi:application", \
     "--bind", "0.0.0.0:8000"]
