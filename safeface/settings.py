"""All SafeFace settings, read from the environment in this one file.

Twelve-factor: every value a deployment changes comes from an environment
variable (README.md lists them). A bad value fails loudly at start-up.
"""

import hashlib
import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from facekit.core.queues import HARDWARE  # Django settings only, read lazily
from facekit.engines.active import ANALYSER_NAMES, GENERATOR_NAMES, SCREENER_NAMES, SWAPPER_NAMES, recogniser_kinds  # torch-free
from facekit.engines.licences import POLICIES, LicenceRefused, require  # torch-free

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local `.env` file, if present, fills in variables the environment leaves unset.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Where the embedded default keeps its SQLite database, media, cache and secret key.
DATA_DIR = Path(env.str("SAFEFACE_DATA_DIR", default=str(BASE_DIR / "var"))).resolve()


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated on first run and kept
    in the data folder (outside git), so sessions survive restarts."""
    if key := env.str("SECRET_KEY", default=""):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(64))
    return path.read_text().strip()


def _one_of(variable: str, choices: tuple[str, ...], default: str) -> str:
    """A value that must be one of `choices`: a misspelling stops start-up, not the first task."""
    value = env.str(variable, default=default)
    if value not in choices:
        raise ImproperlyConfigured(f"{variable}={value!r} is not one of {', '.join(choices)}.")
    return value


def _judges(variable: str, default: str) -> str:
    """The identity judges' setting, checked as _one_of checks a single choice."""
    value = env.str(variable, default=default)
    try:
        recogniser_kinds(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{variable}={value!r}: {error}.") from None
    return value


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- HTTPS --------------------------------------------------------------------
# On by default, so a deployment is safe unless it says otherwise; `make run`
# (plain HTTP on localhost) and the tests turn it off with SAFEFACE_HTTPS=false.
HTTPS = env.bool("SAFEFACE_HTTPS", default=True)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# The reverse proxy terminates TLS and says so in this header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]  # probes and scrapers inside the network
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Only the site's own assets; no inline scripts or styles, no eval (htmx runs with
# allowEval false). The admin keeps Django's own pages as they are.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Applications ---------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "template_partials",
    "django_q",
    "django_prometheus",
    "safeface",
    "accounts",
    "avatars",
    "moderation",
    "swaps",
    "faceapi",
    "live",
    *env.list("SAFEFACE_EXTRA_APPS", default=[]),
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "faceapi.middleware.CachedFaceMiddleware",  # cached faces, before the stack they do not need
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "facekit.core.content_security.CSPMiddleware",  # django-csp, skipped on exempt responses
    "django_ratelimit.middleware.RatelimitMiddleware",
    "facekit.core.htmx.HtmxMiddleware",  # django-htmx's, adding Vary: HX-Request where views ask
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "safeface.urls"
# Form widgets render from templates/ too (the studio's slider).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "safeface.wsgi.application"
ASGI_APPLICATION = "safeface.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

# --- Database -------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Each web thread and worker keeps its connection: opening one per request cost a twentieth of
# a cached face API request on SQLite (its WAL pragmas run on every connect).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE
    # transactions and a busy timeout turn "database is locked" into a short wait.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # A file, not memory, so a real worker cluster started by the tests shares it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, throttles: shared by every process) --------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # One SQLite file on this machine: atomic, cheap counters (facekit/core/shared_cache.py).
    CACHES = {"default": {"BACKEND": "facekit.core.shared_cache.SQLiteCache", "LOCATION": str(DATA_DIR / "cache.sqlite3")}}

# --- Task queue (django-q2) ---------------------------------------------------------
# The broker only delivers; our own rows are the job records (facekit/core/jobs.py).
JOB_LEASE = timedelta(seconds=env.int("SAFEFACE_JOB_LEASE", default=600))
JOB_MAX_ATTEMPTS = env.int("SAFEFACE_JOB_MAX_ATTEMPTS", default=3)
# A queued row untouched this long is enqueued again (its message may have been lost).
JOB_REQUEUE_AFTER = timedelta(seconds=env.int("SAFEFACE_JOB_REQUEUE_AFTER", default=300))
# Worker processes per cluster: one per core on a CPU machine (each engine then runs
# single-threaded, which measured faster than one process using every core); on a GPU
# machine set it to the number of GPUs.
SAFEFACE_WORKERS = env.int("SAFEFACE_WORKERS", default=min(os.cpu_count() or 1, 4))
# Threads each worker's engines use (torch, OpenCV); default: the cores shared out.
SAFEFACE_ENGINE_THREADS = env.int("SAFEFACE_ENGINE_THREADS", default=max(1, (os.cpu_count() or 1) // SAFEFACE_WORKERS))
SAFEFACE_WARM_ENGINES = env.bool("SAFEFACE_WARM_ENGINES", default=True)  # build engines as each worker starts
SAFEFACE_QUEUE_NAME = env.str("SAFEFACE_QUEUE_NAME", default="safeface")
# "one": one cluster does everything. "split": GPU work (avatars, swaps, face API renders) and
# CPU work (upload analysis, every schedule) each get a cluster, named here (hardware -> name)
# and chosen by facekit/core/queues.py; a GPU machine runs its cluster with Q_CLUSTER_NAME.
SAFEFACE_QUEUES = _one_of("SAFEFACE_QUEUES", ("one", "split"), default="one")
SAFEFACE_CLUSTERS = {hardware: f"{SAFEFACE_QUEUE_NAME}-{hardware}" for hardware in HARDWARE} if SAFEFACE_QUEUES == "split" else {}
Q_CLUSTER = {
    # Every cluster of a site shares this name: django-q2 signs tasks with it.
    "name": SAFEFACE_QUEUE_NAME,
    "workers": SAFEFACE_WORKERS,
    # A fresh worker spends about 4 s of CPU building its engines (apps.warm_engines): at the
    # face API's rates django-q2's default of 500 tasks cost a tenth of the worker's time.
    "recycle": 10_000,
    # django-q2's timeout must stay below its retry, or a slow task is delivered twice.
    "timeout": env.int("SAFEFACE_TASK_TIMEOUT", default=3600),
    "retry": env.int("SAFEFACE_TASK_TIMEOUT", default=3600) + 60,
    # Our reaper, not django-q2, decides about re-delivery; see facekit/core/jobs.py.
    "max_attempts": 1,
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 1000,
    "label": "Task queue",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = env.float("SAFEFACE_QUEUE_POLL", default=0.2)
if SAFEFACE_CLUSTERS:
    # Q_CLUSTER's own cluster is the CPU one: a process without Q_CLUSTER_NAME (the web, a
    # CPU machine's qcluster) sends tasks naming no cluster (the health ping) there and serves it;
    # `Q_CLUSTER_NAME=<the GPU name> manage.py qcluster` serves the GPU one (django-q2's ALT_CLUSTERS).
    Q_CLUSTER["cluster_name"] = SAFEFACE_CLUSTERS["cpu"]
    Q_CLUSTER["ALT_CLUSTERS"] = {SAFEFACE_CLUSTERS["gpu"]: {}}
# The names Q_CLUSTER_NAME may take (checked below).
_CLUSTER_NAMES = tuple(SAFEFACE_CLUSTERS.values()) or (SAFEFACE_QUEUE_NAME,)

# --- Auth -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "account"
LOGOUT_REDIRECT_URL = "home"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="SafeFace <noreply@localhost>")

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "static")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "facekit.core.storage.AtomicFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Media on an S3-compatible service (AWS, MinIO, Ceph RGW, R2...) when a bucket is named: then no
# web process or worker needs a shared disk. Unset credentials: boto3's own chain (AWS_* variables,
# an instance role). Objects stay private: the views stream them after their ownership checks.
SAFEFACE_S3_BUCKET = env.str("SAFEFACE_S3_BUCKET", default="")
if SAFEFACE_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "facekit.core.s3.AtomicS3Storage",
        "OPTIONS": {
            "bucket_name": SAFEFACE_S3_BUCKET,
            "endpoint_url": env.str("SAFEFACE_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("SAFEFACE_S3_REGION", default="") or None,
            "access_key": env.str("SAFEFACE_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("SAFEFACE_S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("SAFEFACE_S3_PREFIX", default="").strip("/"),  # a key prefix, to share a bucket
            "addressing_style": env.str("SAFEFACE_S3_ADDRESSING_STYLE", default="") or None,  # "path" for most MinIO setups
            "file_overwrite": False,
            "default_acl": None,
            "querystring_expire": 300,
            "signature_version": "s3v4",
        },
    }
# Served straight from static/ when collectstatic has not run (development, tests).
WHITENOISE_USE_FINDERS = True

# --- Logging ------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Engines ------------------------------------------------------------------------
# Where production model weights live (fetched once by `manage.py fetch_models`).
SAFEFACE_MODELS_DIR = Path(env.str("SAFEFACE_MODELS_DIR", default=str(DATA_DIR / "models")))
# Engines (docs/architecture.md, "Floors"): "auto" takes the production backend when its
# weights are in SAFEFACE_MODELS_DIR, else the offline one.
# The generator's "auto" is diffusers when its model is here, else MobileStyleGAN (photoreal,
# weights non-commercial); "dcgan" is the MIT-licensed 64 px offline generator.
# Which models may run, by their licence (README, "Models and their licences"): "any", or
# "commercial": every "auto" picks only models whose licence allows commercial use, and a model
# named by a setting whose licence does not stops start-up (under "Checks", at the end).
SAFEFACE_MODEL_LICENCES = _one_of("SAFEFACE_MODEL_LICENCES", POLICIES, default="any")
SAFEFACE_GENERATOR = _one_of("SAFEFACE_GENERATOR", GENERATOR_NAMES, default="auto")  # auto | mobilestylegan | dcgan | diffusers
SAFEFACE_ANALYSER = _one_of("SAFEFACE_ANALYSER", ANALYSER_NAMES, default="auto")  # auto | offline | insightface
# onnxruntime providers for insightface (and MobileStyleGAN on CUDA), in order; empty: CUDA when
# this build has it, else CPU.
SAFEFACE_ONNX_PROVIDERS = env.list("SAFEFACE_ONNX_PROVIDERS", default=[])
SAFEFACE_DIFFUSION_MODEL = env.str("SAFEFACE_DIFFUSION_MODEL", default="Corcelio/mobius")
SAFEFACE_DIFFUSION_STEPS = env.int("SAFEFACE_DIFFUSION_STEPS", default=50)
# The face API's own generator, so the API can serve from a few-step model (SDXL-Lightning,
# Hyper-SD, SD-Turbo class) while the studio keeps its quality: "studio" (default) draws with the
# studio's; an empty model or 0 steps take the studio's; guidance unset: the backend's default.
SAFEFACE_API_GENERATOR = _one_of("SAFEFACE_API_GENERATOR", ("studio", *GENERATOR_NAMES), default="studio")
SAFEFACE_API_DIFFUSION_MODEL = env.str("SAFEFACE_API_DIFFUSION_MODEL", default="")
SAFEFACE_API_DIFFUSION_STEPS = env.int("SAFEFACE_API_DIFFUSION_STEPS", default=0)
SAFEFACE_API_DIFFUSION_GUIDANCE = env.float("SAFEFACE_API_DIFFUSION_GUIDANCE", default=None)
# Queued face API faces a worker draws in one generator call (faceapi/tasks.py); with its own
# diffusers model (SAFEFACE_API_GENERATOR) also the images per UNet pass.
SAFEFACE_API_BATCH = env.int("SAFEFACE_API_BATCH", default=16)
# Attribute-guided sampling: DCGAN candidates measured per avatar. Which face a seed
# gives depends on it: change it and old seeds give other faces.
SAFEFACE_DCGAN_CANDIDATES = env.int("SAFEFACE_DCGAN_CANDIDATES", default=16)
SAFEFACE_QUALITY_TRIES = env.int("SAFEFACE_QUALITY_TRIES", default=5)
# Swapper: "auto" takes inswapper when insightface/inswapper_128.onnx is in SAFEFACE_MODELS_DIR, else the mesh swapper.
SAFEFACE_SWAPPER = _one_of("SAFEFACE_SWAPPER", SWAPPER_NAMES, default="auto")  # auto | mesh | inswapper
# The identity judges of every swap result, comma separated: "auto" is dlib's ResNet and SFace
# (weights in pip packages, independent of every swapper and of each other); "arcface" needs
# buffalo_l, and never judges inswapper. A face counts as hidden only when no judge matches it.
SAFEFACE_RECOGNISER = _judges("SAFEFACE_RECOGNISER", default="auto")  # auto | dlib,sface | dlib,arcface | ...
# Uploads are screened for sexual content on the worker before faces are looked for (NudeNet's
# detector; "off" screens nothing). A photo is refused from this score (0 to 1) on; a video when
# more than SAFEFACE_SCREEN_VIDEO_SHARE of its frames, sampled every SAFEFACE_SCREEN_VIDEO_SECONDS, are.
SAFEFACE_SCREENER = _one_of("SAFEFACE_SCREENER", SCREENER_NAMES, default="auto")  # auto | nudenet | off
# Another ONNX model with NudeNet's inputs and outputs (a retrained detector); empty: the wheel's 320n.onnx.
SAFEFACE_SCREENER_MODEL = env.str("SAFEFACE_SCREENER_MODEL", default="")
SAFEFACE_SCREEN_THRESHOLD = env.float("SAFEFACE_SCREEN_THRESHOLD", default=0.5)
SAFEFACE_SCREEN_VIDEO_SECONDS = env.float("SAFEFACE_SCREEN_VIDEO_SECONDS", default=1.0)
SAFEFACE_SCREEN_VIDEO_SHARE = env.float("SAFEFACE_SCREEN_VIDEO_SHARE", default=0.1)

# --- Rate limits ---------------------------------------------------------------------
# Rate limits per client address (django-ratelimit, counted in the shared cache).
SAFEFACE_LOGIN_RATE = env.str("SAFEFACE_LOGIN_RATE", default="10/m")  # per address and per username
SAFEFACE_SIGNUP_RATE = env.str("SAFEFACE_SIGNUP_RATE", default="5/m")
SAFEFACE_PASSWORD_RESET_RATE = env.str("SAFEFACE_PASSWORD_RESET_RATE", default="5/h")
SAFEFACE_VERIFY_RATE = env.str("SAFEFACE_VERIFY_RATE", default="20/m")  # checks on /verify/
SAFEFACE_VERIFY_MAX_BYTES = env.int("SAFEFACE_VERIFY_MAX_BYTES", default=20 * 2**20)
RATELIMIT_VIEW = "facekit.core.ratelimits.rate_limited"
# Behind a reverse proxy, the header holding the client's address (e.g. HTTP_X_REAL_IP).
RATELIMIT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY", default="") or None
# django-ratelimit's other settings at its own defaults, spelled out: it reads each one per
# request with getattr(settings, name, default), and a name settings lack is a failed lookup
# through LazySettings every time, on the face API's hottest path.
RATELIMIT_ENABLE = True
RATELIMIT_USE_CACHE = "default"
RATELIMIT_FAIL_OPEN = False
RATELIMIT_CACHE_PREFIX = "rl:"
RATELIMIT_HASH_ALGORITHM = hashlib.sha256
RATELIMIT_IPV4_MASK = 32
RATELIMIT_IPV6_MASK = 64

# --- Studio and moderation -----------------------------------------------------------
# Studio limits: per user, counted in the shared cache / the database.
SAFEFACE_GENERATE_RATE = env.str("SAFEFACE_GENERATE_RATE", default="20/m")  # Generate presses
SAFEFACE_DAILY_AVATARS = env.int("SAFEFACE_DAILY_AVATARS", default=200)
SAFEFACE_AVATAR_SIZE = env.int("SAFEFACE_AVATAR_SIZE", default=1024)
SAFEFACE_THUMBNAIL_SIZE = env.int("SAFEFACE_THUMBNAIL_SIZE", default=256)

# Moderation: reports from this many different people hide an item until a moderator acts.
SAFEFACE_REPORTS_TO_HIDE = env.int("SAFEFACE_REPORTS_TO_HIDE", default=3)

# --- Provenance ----------------------------------------------------------------------
# Provenance (facekit/provenance). Unset: a development C2PA identity is made on
# first use in DATA_DIR/c2pa (files validate against it, but no one else trusts it).
SAFEFACE_C2PA_CERT_CHAIN = env.str("SAFEFACE_C2PA_CERT_CHAIN", default="")  # PEM, signer first
SAFEFACE_C2PA_PRIVATE_KEY = env.str("SAFEFACE_C2PA_PRIVATE_KEY", default="")  # PEM
SAFEFACE_C2PA_TRUST_ANCHORS = env.str("SAFEFACE_C2PA_TRUST_ANCHORS", default="")  # PEM roots
SAFEFACE_C2PA_TSA_URL = env.str("SAFEFACE_C2PA_TSA_URL", default="") or None
SAFEFACE_C2PA_DEV_DIR = DATA_DIR / "c2pa"

# --- Uploads and swaps ---------------------------------------------------------------
# Checked before anything is stored (swaps/uploads.py).
SAFEFACE_SWAP_RATE = env.str("SAFEFACE_SWAP_RATE", default="10/m")  # uploads and swaps started, per user
# The whole upload; larger bodies are cut off while they stream in (413), nothing kept.
SAFEFACE_UPLOAD_MAX_BYTES = env.int("SAFEFACE_UPLOAD_MAX_BYTES", default=200 * 2**20)
SAFEFACE_PHOTO_MAX_PIXELS = env.int("SAFEFACE_PHOTO_MAX_PIXELS", default=40_000_000)
SAFEFACE_PHOTO_MAX_SIDE = env.int("SAFEFACE_PHOTO_MAX_SIDE", default=12_000)
SAFEFACE_VIDEO_MAX_SECONDS = env.float("SAFEFACE_VIDEO_MAX_SECONDS", default=120.0)
SAFEFACE_VIDEO_MAX_SIDE = env.int("SAFEFACE_VIDEO_MAX_SIDE", default=3840)
SAFEFACE_VIDEO_MAX_PIXELS = env.int("SAFEFACE_VIDEO_MAX_PIXELS", default=3840 * 2160)
SAFEFACE_VIDEO_MAX_FPS = env.int("SAFEFACE_VIDEO_MAX_FPS", default=120)
SAFEFACE_VIDEO_MAX_STREAMS = env.int("SAFEFACE_VIDEO_MAX_STREAMS", default=8)
# A swapped video's frames carry the invisible watermark once every this many seconds (and on
# its first frame); each marked 720p frame costs about 15 ms (bench/bench_provenance.py --video).
SAFEFACE_VIDEO_WATERMARK_SECONDS = env.float("SAFEFACE_VIDEO_WATERMARK_SECONDS", default=2.0)
# Uploaded targets are deleted this long after their last swap ends (results stay until deleted).
SAFEFACE_TARGET_RETENTION_HOURS = env.float("SAFEFACE_TARGET_RETENTION_HOURS", default=24.0)
# Uploads stream to temporary files here (never to memory), removed when the request ends.
FILE_UPLOAD_TEMP_DIR = str(Path(env.str("SAFEFACE_UPLOAD_TEMP_DIR", default=str(DATA_DIR / "uploads-tmp"))))

# --- Face API ------------------------------------------------------------------------
# Face API (docs/architecture.md, "A face API value"). Cached faces are cheap, so the overall rate is
# generous; requests that need the worker to render are limited more strictly.
SAFEFACE_API_RATE = env.str("SAFEFACE_API_RATE", default="600/m")
SAFEFACE_API_RENDER_RATE = env.str("SAFEFACE_API_RENDER_RATE", default="60/m")
# Seconds an uncached request waits for the worker before answering 202 with a status URL.
SAFEFACE_API_WAIT = env.float("SAFEFACE_API_WAIT", default=3.0)
# Where rendered faces are kept; empty: MEDIA_ROOT/faceapi.
SAFEFACE_API_CACHE_DIR = env.str("SAFEFACE_API_CACHE_DIR", default="")

# --- Live ---------------------------------------------------------------------------
# Live (live/, `manage.py live_worker`): a session's length, how often a person may start one, how
# many a live worker runs at once, how long an offer waits for a worker; the STUN/TURN servers the
# browser and the live worker use (comma-separated URLs: stun:host:3478, turn:host:3478?transport=udp),
# with the TURN account when there is one.
SAFEFACE_LIVE_MAX_SECONDS = env.int("SAFEFACE_LIVE_MAX_SECONDS", default=600)
SAFEFACE_LIVE_RATE = env.str("SAFEFACE_LIVE_RATE", default="20/h")
SAFEFACE_LIVE_SESSIONS_PER_WORKER = env.int("SAFEFACE_LIVE_SESSIONS_PER_WORKER", default=1)
SAFEFACE_LIVE_OFFER_SECONDS = env.int("SAFEFACE_LIVE_OFFER_SECONDS", default=30)
# Seconds a frame may wait for its swap before the last frame shown goes out again (or a blur).
SAFEFACE_LIVE_FRAME_BUDGET = env.float("SAFEFACE_LIVE_FRAME_BUDGET", default=0.25)
SAFEFACE_LIVE_ICE_SERVERS = env.list("SAFEFACE_LIVE_ICE_SERVERS", default=[])
SAFEFACE_LIVE_TURN_USERNAME = env.str("SAFEFACE_LIVE_TURN_USERNAME", default="")
SAFEFACE_LIVE_TURN_CREDENTIAL = env.str("SAFEFACE_LIVE_TURN_CREDENTIAL", default="")

# --- Operations ----------------------------------------------------------------------
# A Prometheus scraper sends "Authorization: Bearer <token>" to /metrics; staff need none.
SAFEFACE_METRICS_TOKEN = env.str("SAFEFACE_METRICS_TOKEN", default="")
# How long /healthz waits for the worker to run its ping task.
SAFEFACE_HEALTH_QUEUE_TIMEOUT = env.float("SAFEFACE_HEALTH_QUEUE_TIMEOUT", default=5.0)

# --- Checks -------------------------------------------------------------------------
# Each value was read with its own check above (_one_of, _judges); here, what depends on several,
# in one place, so that the web, the worker and every manage.py command refuse alike.
def _check() -> None:
    # django-q2 reads Q_CLUSTER_NAME itself; a name no task is sent to would leave a machine idle.
    if (os.environ.get("Q_CLUSTER_NAME") or _CLUSTER_NAMES[0]) not in _CLUSTER_NAMES:
        raise ImproperlyConfigured(
            f"Q_CLUSTER_NAME={os.environ['Q_CLUSTER_NAME']!r} is not one of {', '.join(_CLUSTER_NAMES)} "
            f"(SAFEFACE_QUEUES={SAFEFACE_QUEUES})."
        )
    # Every model named by a setting must pass the licence policy ("auto" picks within it).
    for variable, role, kind, model in (
        ("SAFEFACE_GENERATOR", "generator", SAFEFACE_GENERATOR, SAFEFACE_DIFFUSION_MODEL),
        ("SAFEFACE_API_GENERATOR", "generator", SAFEFACE_API_GENERATOR, SAFEFACE_API_DIFFUSION_MODEL or SAFEFACE_DIFFUSION_MODEL),
        ("SAFEFACE_ANALYSER", "analyser", SAFEFACE_ANALYSER, None),
        ("SAFEFACE_SWAPPER", "swapper", SAFEFACE_SWAPPER, None),
        *(("SAFEFACE_RECOGNISER", "recogniser", judge, None) for judge in recogniser_kinds(SAFEFACE_RECOGNISER)),
        ("SAFEFACE_SCREENER", "screener", SAFEFACE_SCREENER.replace("auto", "nudenet"), SAFEFACE_SCREENER_MODEL or None),
    ):
        if kind not in ("auto", "studio", "off"):
            try:
                require(role, kind, SAFEFACE_MODEL_LICENCES, model)
            except LicenceRefused as refused:
                raise ImproperlyConfigured(
                    f"{variable}={env.str(variable, default='auto')!r}: {refused}. Choose a model whose licence allows "
                    "commercial use, or set SAFEFACE_MODEL_LICENCES=any."
                ) from None
    if not 0 < SAFEFACE_SCREEN_THRESHOLD <= 1 or not 0 <= SAFEFACE_SCREEN_VIDEO_SHARE < 1:
        raise ImproperlyConfigured("SAFEFACE_SCREEN_THRESHOLD must be in (0, 1] and SAFEFACE_SCREEN_VIDEO_SHARE in [0, 1).")
    if not 0 < SAFEFACE_SCREEN_VIDEO_SECONDS <= 1:
        raise ImproperlyConfigured("SAFEFACE_SCREEN_VIDEO_SECONDS must be more than 0 and at most 1: a video is sampled at least once a second.")
    if (SAFEFACE_LIVE_MAX_SECONDS < 10 or SAFEFACE_LIVE_SESSIONS_PER_WORKER < 1 or SAFEFACE_LIVE_OFFER_SECONDS < 5
            or not 0 < SAFEFACE_LIVE_FRAME_BUDGET <= 2):
        raise ImproperlyConfigured("SAFEFACE_LIVE_MAX_SECONDS must be at least 10, SAFEFACE_LIVE_OFFER_SECONDS at least 5, "
                                   "SAFEFACE_LIVE_SESSIONS_PER_WORKER at least 1, "
                                   "SAFEFACE_LIVE_FRAME_BUDGET more than 0 and at most 2 seconds.")
    if not SAFEFACE_VIDEO_WATERMARK_SECONDS > 0:
        raise ImproperlyConfigured("SAFEFACE_VIDEO_WATERMARK_SECONDS must be a positive number of seconds.")


_check()

# Folders (DATA_DIR, STATIC_ROOT, FILE_UPLOAD_TEMP_DIR) are made at start-up (safeface/apps.py), not here.
