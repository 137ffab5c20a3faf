# rastercatalog image for docker-compose.yml: the web process and the Celery worker.
# GDAL comes from Debian and the Python bindings are built against it at exactly its version, the
# same path as `make run` (see README, "Installing GDAL").
# The viewer (frontend/) is built with Node in its own stage; only its static output is kept.
FROM node:20-bookworm-slim AS frontend
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM debian:bookworm-slim

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        gdal-bin libgdal-dev libsqlite3-mod-spatialite python3-venv python3-dev build-essential \
    && rm -rf /var/lib/apt/lists/*

# Debian's python3, whose sqlite3 can load SpatiaLite (used when DATABASE_URL is not set).
RUN python3 -m venv /opt/venv \
    && pip install --upgrade pip \
    && pip install numpy setuptools wheel \
    && pip install --no-build-isolation "gdal==$(gdal-config --version)"

WORKDIR /app
# Only what the application needs: no .venv, var/, tests or benchmarks from the build context.
COPY pyproject.toml README.md manage.py ./
COPY project ./project
COPY rastercatalog ./rastercatalog
COPY deploy/gunicorn.conf.py ./deploy/gunicorn.conf.py
COPY frontend ./frontend
COPY --from=frontend /frontend/dist ./frontend/dist
RUN pip install .

# Uploads, stored thumbnails, collected static files (and SpatiaLite, when there is no DATABASE_URL)
# live here; docker-compose.yml mounts a volume that nginx reads too.
ENV RASTERCATALOG_VAR_DIR=/app/var
RUN mkdir -p /app/var && useradd --system --home /app rastercatalog && chown rastercatalog /app/var
USER rastercatalog
EXPOSE 8000
# glibc's allocator for long-running GDAL processes (web and Celery worker; README, "Memory",
# and deploy/gunicorn.env): read when a process starts, so set here, not in gunicorn's config.
ENV MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=4194304 \
    MALLOC_TRIM_THRESHOLD_=4194304
# gunicorn (WSGI) for web; docker-compose.yml runs the Celery worker and beat from the same image.
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py collectstatic --noinput && gunicorn project.wsgi -c deploy/gunicorn.conf.py --bind 0.0.0.0:8000"]
