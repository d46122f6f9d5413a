# One image for the web server, the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.prod
RUN apt-get update \
    && apt-get install -y --no-install-recommends gdal-bin libgdal32 libgeos-c1v5 libproj25 libmagic1 gettext libpango-1.0-0 libpangoft2-1.0-0 nodejs npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir uv==0.13.9 && uv pip sync --system --no-cache requirements.lock
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN SECRET_KEY=build-only python manage.py compilemessages --ignore=node_modules -v 0 \
    && SECRET_KEY=build-only python manage.py collectstatic --noinput -v 0 \
    && useradd --system --home /app vigie && mkdir -p var/private var/media && chown -R vigie var
USER vigie
EXPOSE 8000
CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--lifespan", "off"]
