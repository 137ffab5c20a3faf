"""Settings for rastercatalog, read from the environment (django-environ).

Every variable is documented in `.env.example`. The defaults are for a developer's machine: an
embedded SpatiaLite database under `var/`, local-memory cache, Celery tasks run inline.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A `.env` in the project root fills in variables the environment lacks (`make run` writes one with
# a secret key); DJANGO_READ_DOT_ENV=false ignores it, as a production host or a test may want.
if env.bool("DJANGO_READ_DOT_ENV", default=True) and (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

VAR_DIR = Path(env.str("RASTERCATALOG_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The fallback key is public, so it is only accepted on a developer's machine (DJANGO_DEBUG=true):
# a server running with it would sign sessions and thumbnail URLs anyone can forge.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set: set it to a long random value (e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`), or set "
            "DJANGO_DEBUG=true on a development machine to use the built-in development key."
        )
    SECRET_KEY = "django-insecure-rastercatalog-development-key-change-me"  # noqa: S105
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- HTTPS. On by default unless DJANGO_DEBUG: redirects, secure cookies, HSTS (what
# `manage.py check --deploy` asks for). Behind nginx, which terminates TLS, X-Forwarded-Proto says
# whether the client used HTTPS. DJANGO_HTTPS=false for a plain-HTTP trial of docker compose.
HTTPS = env.bool("DJANGO_HTTPS", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=HTTPS)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=HTTPS)
# The health check is called over plain HTTP by Docker and load balancers, from inside.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "corsheaders",
    "rastercatalog",
]

MIDDLEWARE = [
    # Operations (rastercatalog/middleware.py): first, so it times, counts and logs what the
    # client finally gets, 503s of a database outage included.
    "rastercatalog.middleware.RequestObservationMiddleware",
    # Cross-origin requests (rastercatalog/cors.py): before anything that may answer.
    "rastercatalog.cors.CatalogCorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "rastercatalog.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: PostGIS with DATABASE_URL=postgis://…, else an embedded SpatiaLite file. ---
_default_sqlite = VAR_DIR / "db.sqlite3"
DATABASES = {"default": env.db("DATABASE_URL", default=f"spatialite:///{_default_sqlite}")}
if DATABASES["default"]["ENGINE"].endswith("spatialite"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Concurrent writers (runserver + a worker) otherwise fail at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Reuse connections across requests, checked before reuse: a new PostgreSQL or SpatiaLite
# connection (which loads the extension) costs 3-6 ms, 5-10 times a cached tile.
# `?conn_max_age=` in DATABASE_URL wins.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"].endswith("postgis"):
    # PostgreSQL's JIT compiler spends hundreds of milliseconds compiling the large searches and
    # tile queries of the API, which then run in tens: a web app's queries are better without it.
    # Prepared statements: only those the catalog search asks for (search/prepared.py), whose
    # plan does not depend on the values, so each runs one generic plan. psycopg prepares nothing
    # else (Django binds parameters on the client, and the threshold is out of reach).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (
        f"{_options.get('options', '')} -c jit=off -c plan_cache_mode=force_generic_plan".strip()
    )
    _options.setdefault("prepare_threshold", 2**31 - 1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: local memory, or Redis when REDIS_URL is set. ---
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery: a broker makes ingestion asynchronous; without one the work runs inline. ---
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A task whose worker process died is given back to the broker at once, not lost; the row's lease
# (rastercatalog/catalog/leases.py) makes a duplicate harmless and counts the attempts.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# The map viewer's build (`npm run build` in frontend/, run by `make run` and `make test`).
VIEWER_DIST_DIR = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [("viewer", VIEWER_DIST_DIR)] if VIEWER_DIST_DIR.is_dir() else []
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"
# Uploads above this size are spooled to disk rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024 * 1024

REST_FRAMEWORK = {
    # Browsers use the admin's session; scripts send "Authorization: Token <key>" (admin: Tokens).
    # Token first: a request without valid credentials then gets 401 with "WWW-Authenticate: Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Reads: public unless RASTERCATALOG_PUBLIC_READ=false. Writes: staff or a token holder.
    "DEFAULT_PERMISSION_CLASSES": ["rastercatalog.api.permissions.CatalogAccess"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Domain exceptions (rastercatalog.errors) become JSON errors with one status table.
    "EXCEPTION_HANDLER": "rastercatalog.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "rastercatalog API",
    "DESCRIPTION": "Raster catalog: search, STAC, tiles and pixel data of catalogued rasters.",
    "VERSION": "0.1.0",
    # Swagger UI's assets are served by the app (drf-spectacular-sidecar): no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
}

# The basemap of the viewer and the admin maps (XYZ template). The viewer falls back to offline
# Natural Earth imagery when these tiles cannot be fetched.
RASTERCATALOG_BASEMAP_URL = env.str(
    "RASTERCATALOG_BASEMAP_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
RASTERCATALOG_BASEMAP_ATTRIBUTION = env.str(
    "RASTERCATALOG_BASEMAP_ATTRIBUTION", default="&copy; OpenStreetMap contributors"
)
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (20.0, 0.0),
    "DEFAULT_ZOOM": 2,
    "MIN_ZOOM": 1,
    "MAX_ZOOM": 18,
    "TILES": [
        (
            "OpenStreetMap",
            RASTERCATALOG_BASEMAP_URL,
            {"attribution": RASTERCATALOG_BASEMAP_ATTRIBUTION, "maxZoom": 19},
        )
    ],
}

# --- Ingestion rules (enforced in rastercatalog/sources.py and rastercatalog/reader.py). ---
# Sources given through the admin or the API must be under one of these directories…
RASTERCATALOG_ALLOWED_LOCAL_ROOTS = env.list(
    "RASTERCATALOG_ALLOWED_LOCAL_ROOTS", default=[str(MEDIA_ROOT), str(VAR_DIR / "demo")]
)
# …or on one of these HTTP(S) hosts ("*" = any host that resolves to a public address). A host
# named here explicitly is allowed even when it resolves to a private or loopback address…
RASTERCATALOG_ALLOWED_HTTP_HOSTS = env.list("RASTERCATALOG_ALLOWED_HTTP_HOSTS", default=["*"])
# …or in one of these S3 buckets ("*" = any bucket the credentials can read).
RASTERCATALOG_ALLOWED_S3_BUCKETS = env.list("RASTERCATALOG_ALLOWED_S3_BUCKETS", default=[])
# Refuse rasters with more pixels than this (a sparse 200000x200000 TIFF is a few hundred bytes).
RASTERCATALOG_MAX_PIXELS = env.int("RASTERCATALOG_MAX_PIXELS", default=10_000_000_000)
# Band statistics and footprints are computed on a level no larger than this many pixels a side.
RASTERCATALOG_STATS_MAX_SIZE = env.int("RASTERCATALOG_STATS_MAX_SIZE", default=1024)
RASTERCATALOG_FOOTPRINT_MAX_VERTICES = env.int("RASTERCATALOG_FOOTPRINT_MAX_VERTICES", default=200)
# Admin uploads larger than this are ingested by a Celery worker (when a broker is configured).
RASTERCATALOG_ASYNC_UPLOAD_BYTES = env.int(
    "RASTERCATALOG_ASYNC_UPLOAD_BYTES", default=64 * 1024 * 1024
)
RASTERCATALOG_UPLOAD_DIR = MEDIA_ROOT / "uploads"
RASTERCATALOG_DEMO_DIR = VAR_DIR / "demo"
# Network reads of remote rasters (GDAL_HTTP_TIMEOUT etc. are set from these at start-up).
RASTERCATALOG_HTTP_TIMEOUT = env.int("RASTERCATALOG_HTTP_TIMEOUT", default=30)

# --- Data API (tiles and other rendered responses). ---
# Cache-Control max-age of responses computed from a raster's bytes (tiles, thumbnails…), seconds.
RASTERCATALOG_DATA_MAX_AGE = env.int("RASTERCATALOG_DATA_MAX_AGE", default=3600)
# How long a rendered tile stays in the Django cache (seconds; the key holds the checksum).
RASTERCATALOG_TILE_CACHE_TIMEOUT = env.int("RASTERCATALOG_TILE_CACHE_TIMEOUT", default=86400)
# Seconds a worker trusts what it read of a raster for its tiles (rastercatalog/render/rasterinfo.py).
RASTERCATALOG_RASTER_INFO_TTL = env.float("RASTERCATALOG_RASTER_INFO_TTL", default=5.0)
# Zooms served finer than the raster's native zoom, and coarser than its smallest overview (each
# coarser zoom doubles the pixels a tile reads).
RASTERCATALOG_TILE_OVERZOOM = env.int("RASTERCATALOG_TILE_OVERZOOM", default=4)
RASTERCATALOG_TILE_UNDERZOOM = env.int("RASTERCATALOG_TILE_UNDERZOOM", default=3)
# Mosaics (/api/mosaic/): rasters one tile may read (above: the collection's overview at low
# zooms, else a 422 that says so), and rasters one point (time series) may read.
RASTERCATALOG_MOSAIC_MAX_RASTERS = env.int("RASTERCATALOG_MOSAIC_MAX_RASTERS", default=50)
RASTERCATALOG_MOSAIC_POINT_MAX_RASTERS = env.int(
    "RASTERCATALOG_MOSAIC_POINT_MAX_RASTERS", default=1000
)
# large-image sources kept open for mosaic tiles, per process (in their own LRU, so that mosaics do
# not close the single-raster ones): two per raster, so twice the cap and some room by default.
RASTERCATALOG_MOSAIC_SOURCE_CACHE_SIZE = env.int(
    "RASTERCATALOG_MOSAIC_SOURCE_CACHE_SIZE", default=2 * RASTERCATALOG_MOSAIC_MAX_RASTERS + 28
)
# Per-collection overviews: a low-resolution Web Mercator COG of each collection with more rasters
# than a tile may read, at most this many pixels a side (the zoom it reaches follows), rebuilt by
# the worker once a collection has had no change for the debounce (seconds).
RASTERCATALOG_MOSAIC_OVERVIEW_DIR = Path(
    env.str("RASTERCATALOG_MOSAIC_OVERVIEW_DIR", default="") or VAR_DIR / "overviews"
)
RASTERCATALOG_MOSAIC_OVERVIEW_MAX_SIZE = env.int(
    "RASTERCATALOG_MOSAIC_OVERVIEW_MAX_SIZE", default=8192
)
RASTERCATALOG_MOSAIC_OVERVIEW_MAX_ZOOM = env.int(
    "RASTERCATALOG_MOSAIC_OVERVIEW_MAX_ZOOM", default=9
)
RASTERCATALOG_MOSAIC_OVERVIEW_DEBOUNCE = env.float(
    "RASTERCATALOG_MOSAIC_OVERVIEW_DEBOUNCE", default=30
)
# Histograms are computed on a level at most this many pixels a side.
RASTERCATALOG_HISTOGRAM_MAX_SIZE = env.int("RASTERCATALOG_HISTOGRAM_MAX_SIZE", default=1024)
# Regions (GeoTIFF, PNG, JPEG) and thumbnails larger than this many pixels a side are refused (400).
RASTERCATALOG_REGION_MAX_SIZE = env.int("RASTERCATALOG_REGION_MAX_SIZE", default=4096)
# Analysis on the fly (README): zonal statistics are exact up to this many pixels per feature's
# window, then computed on the finest overview under it; posted geometries are capped in features,
# vertices and geodesic area.
RASTERCATALOG_STATISTICS_MAX_PIXELS = env.int(
    "RASTERCATALOG_STATISTICS_MAX_PIXELS", default=4_000_000
)
RASTERCATALOG_ANALYSIS_MAX_FEATURES = env.int("RASTERCATALOG_ANALYSIS_MAX_FEATURES", default=100)
RASTERCATALOG_ANALYSIS_MAX_VERTICES = env.int("RASTERCATALOG_ANALYSIS_MAX_VERTICES", default=20_000)
RASTERCATALOG_ANALYSIS_MAX_AREA_KM2 = env.float(
    "RASTERCATALOG_ANALYSIS_MAX_AREA_KM2", default=1_000_000.0
)
RASTERCATALOG_THUMBNAIL_MAX_SIZE = env.int("RASTERCATALOG_THUMBNAIL_MAX_SIZE", default=1024)
# Files uploaded to POST /api/cog/validate may be at most this many bytes (413 beyond).
RASTERCATALOG_COG_VALIDATE_MAX_BYTES = env.int(
    "RASTERCATALOG_COG_VALIDATE_MAX_BYTES", default=256 * 1024 * 1024
)

# --- Uploads through the API. ---
# POST /api/rasters/ with base64 data: largest decoded file accepted (400 beyond). The JSON body is
# a third larger, and must also fit DATA_UPLOAD_MAX_MEMORY_SIZE.
RASTERCATALOG_BASE64_MAX_BYTES = env.int("RASTERCATALOG_BASE64_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(
    DATA_UPLOAD_MAX_MEMORY_SIZE, RASTERCATALOG_BASE64_MAX_BYTES * 4 // 3 + 64 * 1024
)
# Direct-to-S3 uploads (POST /api/uploads/): the bucket clients upload to with a presigned POST,
# the prefix of the staging keys, and the prefix catalogued files are moved to.
RASTERCATALOG_UPLOAD_BUCKET = env.str("RASTERCATALOG_UPLOAD_BUCKET", default="")
RASTERCATALOG_UPLOAD_PREFIX = env.str("RASTERCATALOG_UPLOAD_PREFIX", default="staging/")
RASTERCATALOG_UPLOAD_FINAL_PREFIX = env.str("RASTERCATALOG_UPLOAD_FINAL_PREFIX", default="rasters/")
# Largest file a presigned POST accepts (S3 refuses bigger bodies), and how long it is valid (s).
RASTERCATALOG_UPLOAD_MAX_BYTES = env.int(
    "RASTERCATALOG_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024 * 1024
)
RASTERCATALOG_UPLOAD_EXPIRY = env.int("RASTERCATALOG_UPLOAD_EXPIRY", default=3600)
# Shared secret the S3 event webhook (POST /api/uploads/events) must send in X-Upload-Secret.
# Empty: the webhook is off.
RASTERCATALOG_UPLOAD_WEBHOOK_SECRET = env.str("RASTERCATALOG_UPLOAD_WEBHOOK_SECRET", default="")
# boto3 uses the same S3 endpoint as GDAL's /vsis3/ (AWS_S3_ENDPOINT, AWS_HTTPS).
_s3_endpoint = env.str("AWS_S3_ENDPOINT", default="")
_s3_scheme = "https" if env.bool("AWS_HTTPS", default=True) else "http"
RASTERCATALOG_S3_ENDPOINT_URL = f"{_s3_scheme}://{_s3_endpoint}" if _s3_endpoint else None
# The S3 endpoint as clients reach it, for presigned POST URLs (default: the one above).
RASTERCATALOG_UPLOAD_PUBLIC_ENDPOINT_URL = (
    env.str("RASTERCATALOG_UPLOAD_PUBLIC_ENDPOINT_URL", default="") or RASTERCATALOG_S3_ENDPOINT_URL
)

# --- Recovery of work whose worker died (rastercatalog/catalog/leases.py). ---
# The process ingesting a row stamps it this often; a `processing` row whose stamp is older than
# STALE lost its worker and is queued again by the next sweep (every worker sweeps every
# RECOVERY_INTERVAL), up to MAX_ATTEMPTS tries, then marked failed with the reason. A row is thus
# back in the queue at most STALE + RECOVERY_INTERVAL seconds (90 s by default) after its worker died.
RASTERCATALOG_INGEST_HEARTBEAT_SECONDS = env.float(
    "RASTERCATALOG_INGEST_HEARTBEAT_SECONDS", default=10
)
RASTERCATALOG_INGEST_STALE_SECONDS = env.float("RASTERCATALOG_INGEST_STALE_SECONDS", default=60)
RASTERCATALOG_INGEST_MAX_ATTEMPTS = env.int("RASTERCATALOG_INGEST_MAX_ATTEMPTS", default=3)
RASTERCATALOG_RECOVERY_INTERVAL_SECONDS = env.float(
    "RASTERCATALOG_RECOVERY_INTERVAL_SECONDS", default=30
)
# A raster `pending` this long has its message queued again (lost by a broker restarted without
# persistence); a duplicate message is harmless.
RASTERCATALOG_PENDING_REQUEUE_SECONDS = env.float(
    "RASTERCATALOG_PENDING_REQUEUE_SECONDS", default=900
)

# --- Conversion to COG on ingestion (catalog/convert.py). ---
# The default of the per-request "convert to COG" option (admin, API, `manage.py ingest --to-cog`).
RASTERCATALOG_INGEST_TO_COG = env.bool("RASTERCATALOG_INGEST_TO_COG", default=False)
# deflate (lossless, with a predictor); jpeg or webp (lossy, RGB uint8 only) when asked for.
RASTERCATALOG_COG_COMPRESSION = env.str("RASTERCATALOG_COG_COMPRESSION", default="deflate")
# COGs of http(s) originals (nowhere to write beside them) and the scratch space of S3 ones.
RASTERCATALOG_COG_DIR = Path(env.str("RASTERCATALOG_COG_DIR", default="") or MEDIA_ROOT / "cogs")

# `celery beat` (docker-compose.yml's beat service) deletes abandoned staging objects hourly.
CELERY_BEAT_SCHEDULE = (
    {"uploads-cleanup": {"task": "rastercatalog.uploads_cleanup", "schedule": 3600.0}}
    if RASTERCATALOG_UPLOAD_BUCKET
    else {}
)

# --- Signed thumbnail URLs (/thumbs/…). ---
# HMAC key of the URLs; empty: derived from SECRET_KEY.
RASTERCATALOG_THUMBNAIL_SECRET = env.str("RASTERCATALOG_THUMBNAIL_SECRET", default="")
# How a stored thumbnail is sent: "direct" (Django streams the file; development) or "x-accel"
# (an X-Accel-Redirect to RASTERCATALOG_THUMBNAIL_ACCEL_PREFIX, an internal nginx location that
# aliases MEDIA_ROOT).
RASTERCATALOG_THUMBNAIL_SERVE = env.str("RASTERCATALOG_THUMBNAIL_SERVE", default="direct")
RASTERCATALOG_THUMBNAIL_ACCEL_PREFIX = env.str(
    "RASTERCATALOG_THUMBNAIL_ACCEL_PREFIX", default="/_protected_media/"
)

# --- Search API (catalog search, STAC, footprint tiles). ---
# false: every API read needs a login or a token. Private rasters are never public either way.
RASTERCATALOG_PUBLIC_READ = env.bool("RASTERCATALOG_PUBLIC_READ", default=True)
# Features per page when `limit` is not given, and the most a client may ask for.
RASTERCATALOG_SEARCH_DEFAULT_LIMIT = env.int("RASTERCATALOG_SEARCH_DEFAULT_LIMIT", default=100)
RASTERCATALOG_SEARCH_MAX_LIMIT = env.int("RASTERCATALOG_SEARCH_MAX_LIMIT", default=1000)
# From this many rasters on (PostgreSQL's estimate), a newest-first search in an area reads the
# (footprint, created) index in order (search/keyset.py); below, sorting the area's few hundred
# matches costs less. 0: always.
RASTERCATALOG_SEARCH_INDEX_ORDER_MIN_ROWS = env.int(
    "RASTERCATALOG_SEARCH_INDEX_ORDER_MIN_ROWS", default=3_000_000
)
# Newest-first searches of an area run as prepared statements (search/area_page.py). false behind
# a pooler that cannot keep them (PgBouncer in transaction mode before 1.21).
RASTERCATALOG_SEARCH_PREPARED = env.bool("RASTERCATALOG_SEARCH_PREPARED", default=True)

# --- Cross-origin requests (rastercatalog/cors.py, README "CORS"). ---
# Anonymous reads of tiles, TileJSON, WMTS/OGC API Tiles and STAC are allowed from any origin.
# Origins listed here (https://app.example.org) may also send credentials to every route.
RASTERCATALOG_CORS_ALLOWED_ORIGINS = env.list("RASTERCATALOG_CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOWED_ORIGINS = RASTERCATALOG_CORS_ALLOWED_ORIGINS
CORS_ALLOW_CREDENTIALS = True
CORS_EXPOSE_HEADERS = ["ETag", "Server-Timing", "X-Tile-Cache"]

# --- Operations: logs, metrics, database outages (README "Operations"). ---
# "json": one JSON object per line (rastercatalog/logs.py), with a line per request and per
# ingestion; "plain": the classic human-readable line.
RASTERCATALOG_LOG_FORMAT = env.str("RASTERCATALOG_LOG_FORMAT", default="plain" if DEBUG else "json")
# The request lines (logger rastercatalog.requests): false leaves them to gunicorn's access log.
RASTERCATALOG_LOG_REQUESTS = env.bool("RASTERCATALOG_LOG_REQUESTS", default=True)
# Addresses or networks (CIDR) allowed to read /metrics, compared with REMOTE_ADDR.
RASTERCATALOG_METRICS_ALLOWED_IPS = env.list(
    "RASTERCATALOG_METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"]
)
# Seconds a client is told to wait (Retry-After) when the database is down.
RASTERCATALOG_DB_RETRY_AFTER = env.int("RASTERCATALOG_DB_RETRY_AFTER", default=5)
if DATABASES["default"]["ENGINE"].endswith("postgis"):
    # An unreachable host (not a refused port) would otherwise hold a worker for the OS's TCP
    # timeout, minutes, before the request can get its 503. `?connect_timeout=` wins.
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "rastercatalog.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": RASTERCATALOG_LOG_FORMAT}
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "rasterio": {"level": "WARNING"},
        "large_image": {"level": "WARNING"},
        # Django's own line for every 4xx/5xx would repeat the request line.
        "django.request": {"level": "ERROR"},
        "rastercatalog.requests": {
            "level": "INFO" if RASTERCATALOG_LOG_REQUESTS else "WARNING",
        },
    },
}

# Django warns that GDAL < 3.9 cannot block file and network access from spatial references. The
# catalog never hands user strings to GDAL: sources.py vets every URI and reader.py opens files with a
# driver allow-list (GTiff only), which is the protection that warning asks for.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# --- Memory: every in-process cache bounded (README, "Memory"). Sized for 2 gunicorn workers on
# a machine with 2 GB: at most ~240 MB of caches per worker, on top of ~230 MB of code and data.
# Rendered tiles without Redis: bytes of encoded tiles kept per process (least recently used go
# first). With Redis, the bound is Redis's `maxmemory` (docker-compose.yml sets REDIS_MAXMEMORY).
RASTERCATALOG_LOCAL_CACHE_BYTES = env.int("RASTERCATALOG_LOCAL_CACHE_BYTES", default=64 * 2**20)
if not REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "rastercatalog.render.localcache.ByteBoundedLocMemCache",
            # The byte limit decides; the count only guards against millions of tiny entries.
            "OPTIONS": {"MAX_BYTES": RASTERCATALOG_LOCAL_CACHE_BYTES, "MAX_ENTRIES": 100_000},
        }
    }
# large-image's cache of open tile sources, in sources per process (read at start-up). Each holds
# an open GDAL dataset (a file handle and its TIFF directory, under 1 MB for a COG) and
# large-image's state; a raster needs 2-3 (tiles, pixel reads) plus one per large-image `style`.
# Each thread of a gthread worker opens its own (render/source.py): 32 per thread by default, as
# 4 threads sharing 32 reopened sources all the time (half the requests served in bench/soak.py).
RASTERCATALOG_TILESOURCE_CACHE_SIZE = env.int(
    "RASTERCATALOG_TILESOURCE_CACHE_SIZE", default=32 * env.int("GUNICORN_THREADS", default=1)
)
# large-image's cache of decoded tiles, in tiles per process: each at most 256 x 256 pixels x
# (bands + alpha) x 8 bytes, 2.5 MB for 4 bands. Rendered tiles live in the cache above instead.
RASTERCATALOG_TILESOURCE_TILE_CACHE_SIZE = env.int(
    "RASTERCATALOG_TILESOURCE_TILE_CACHE_SIZE", default=8
)
# GDAL's block cache, MB per process and per GDAL copy (Debian's serves tiles; rasterio's bundled
# copy only runs COG conversion and validation). An explicit GDAL_CACHEMAX in the environment wins.
# 256 MB holds the blocks of a screenful of float32 tiles (1 MB a 512-pixel block) and the levels
# above them, so panning and zooming decode each block once per worker; at 64 MB a DEM tile cost
# 8.2 ms of CPU against 4.4-5.1 ms (bench/tiles.py, README "Tiles", fourth round).
RASTERCATALOG_GDAL_CACHE_MB = env.int("RASTERCATALOG_GDAL_CACHE_MB", default=256)
# GDAL's cache of byte ranges read from remote rasters (/vsicurl/, /vsis3/), MB per GDAL copy.
RASTERCATALOG_GDAL_HTTP_CACHE_MB = env.int("RASTERCATALOG_GDAL_HTTP_CACHE_MB", default=16)
# Files already checked against the driver allow-list, remembered per process (~200 bytes each).
RASTERCATALOG_VETTED_SOURCES_MAX = env.int("RASTERCATALOG_VETTED_SOURCES_MAX", default=4096)
