"""Settings shared by every environment; each value that varies is read from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"The environment variable {name} must be set in production (see .env.example)."
        )
    return value


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "axes",
    "simple_history",
    "offices",
    "proposals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who made each change the audit trail records (proposals/history.py).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "offices.context_processors.roles",
            ],
        },
    },
]

# DATABASE_URL takes sqlite:///path and postgres://… URLs; with nothing set, a SQLite file
# in the project folder, so that a fresh clone runs with no set-up.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE") or 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles the statistics' many-branched aggregates anew for each query,
    # which took 7.5 s instead of 0.35 s for a session of 5 000 proposals: off for the app.
    database_options = DATABASES["default"].setdefault("OPTIONS", {})
    database_options["options"] = f"{database_options.get('options', '')} -c jit=off".strip()
    # libpq waits for a server that does not answer as long as TCP does (minutes): a few
    # seconds, then the pages answer 503 (`?connect_timeout=` in DATABASE_URL overrides it).
    database_options.setdefault("connect_timeout", 3)

# The cache holds whole pages and the filters' choices (proposals/caching.py), so every
# gunicorn worker and server must share it: Redis (CACHE_URL=redis://host:6379/0; REDIS_URL
# as platforms name it) or, with neither set, a table of the database (`django_cache`, made by
# a migration). CACHE_KEY_PREFIX (e.g. the release) starts each deploy with an empty cache.
CACHE_TABLE = "django_cache"


def cache_backend(url: str) -> dict:
    common = {
        "TIMEOUT": int(os.environ.get("CACHE_TIMEOUT") or 3600),
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", ""),
    }
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {"BACKEND": "config.cache.RedisCache", "LOCATION": url, **common}
    if url:
        raise ImproperlyConfigured(f"CACHE_URL must be a redis://, rediss:// or unix:// URL: {url}")
    return {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": CACHE_TABLE,
        "OPTIONS": {"MAX_ENTRIES": 5000},
        **common,
    }


CACHES = {"default": cache_backend(os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL", ""))}
# Sessions in the database by default; with Redis, `cached_db` reads them from the cache
# and keeps them in the database too (`cache` alone would lose logins when Redis evicts).
SESSION_ENGINE = os.environ.get("SESSION_ENGINE") or "db"
if "." not in SESSION_ENGINE:
    SESSION_ENGINE = f"django.contrib.sessions.backends.{SESSION_ENGINE}"

# django-axes first: it refuses a locked-out login before any password is checked. Then
# Django's model backend, with a user's role and permissions read in fewer queries.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "offices.roles.RoleBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is refused for AXES_COOLOFF_MINUTES; other users and other
# addresses still log in. A success clears the count. `manage.py axes_reset` lifts a lockout.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT") or 5)
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES") or 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Login events are our own records (offices.LoginEvent): no banner on every start, no log lines.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"
# Behind the reverse proxy REMOTE_ADDR is the proxy's: the client is read from
# X-Forwarded-For, trusting only the proxies gunicorn trusts (FORWARDED_ALLOW_IPS).
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"
FORWARDED_ALLOW_IPS = env_list("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Staff sessions end with the browser or after a working day, whichever comes first.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Django's defaults, stated so that a change is deliberate. `same-origin`: a member's personal
# form link (its token is in the path) never leaves the site as a Referer.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content Security Policy, on every response (the admin's too): nothing but the site's own
# files, and inline <script>/<style> only with the request's nonce (Django's admin adds it to
# its own). No style="…" attributes anywhere: a nonce cannot allow those.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
# Uploaded files (the scans of paper forms) stay in MEDIA_ROOT on one server. Several servers
# share an S3-compatible store instead (django-storages): set S3_BUCKET. Files stay private
# and are served only through the views that check who may see them.
if os.environ.get("S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["S3_BUCKET"],
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("S3_PREFIX", "media"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

LOGIN_URL = "admin:login"

# The open-data API (/api/) is public and read-only: JSON only, since the browsable API
# brings its own assets and login; no user is looked up for anonymous requests.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": None,
    # Public: no login is looked at (a proxy's Basic auth header must not turn into a 403),
    # and `format` is not taken from the query string (the pages use it for exports).
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "政协提案办理答复公开数据 API / CPPCC proposal replies open-data API",
    "DESCRIPTION": (
        "只读的公开数据：已公开的答复函（/api/replies/，每件一行）和提案及其已公开的答复函"
        "（/api/proposals/）。未公开的答复函不会出现，也不含联系人、电话、地址等联系方式。\n\n"
        "两个接口的筛选参数与公开列表页相同：session（会议 id）、year、unit（承办单位 id）、"
        "outcome（办理结果分类代码，如 A1）、group（大类字母，如 A）、attitude 与 result"
        "（第一提案者的评价，any 为已回表、none 为未回表）、category、key、status、"
        "q（关键词，至少两个字）、sort；分页参数 page 和 page_size（默认 50，最多 200）。"
        "参数值无效时返回 400，正文按参数名列出原因。\n\n"
        "Read-only open data: published reply letters (/api/replies/, one per row) and proposals "
        "with their published replies (/api/proposals/). Unpublished replies never appear, nor "
        "does any contact data. Both endpoints take the public listing's filters (above) and "
        "the page and page_size parameters (50 by default, 200 at most); an invalid value "
        "answers 400 with the reason under the parameter's name."
    ),
    "VERSION": "1.0",
    "ENUM_NAME_OVERRIDES": {"RatingEnum": "proposals.models.Rating"},
    "SERVE_INCLUDE_SCHEMA": False,
}

# Replies are due this many months after a proposal is assigned (the rules say three).
REPLY_DUE_MONTHS = int(os.environ.get("REPLY_DUE_MONTHS") or 3)
# A reply rated 不满意 is handled again and answered within this many months.
REHANDLING_DUE_MONTHS = int(os.environ.get("REHANDLING_DUE_MONTHS") or 1)
# Members' personal form links work for this many days after they are sent.
FORM_LINK_MAX_AGE_DAYS = int(os.environ.get("FORM_LINK_MAX_AGE_DAYS") or 60)
# send_reminders: members whose form is outstanding this many days after the link was sent;
# units whose reply is due within this many days.
FORM_REMINDER_AFTER_DAYS = int(os.environ.get("FORM_REMINDER_AFTER_DAYS") or 14)
DUE_SOON_DAYS = int(os.environ.get("DUE_SOON_DAYS") or 7)
# Where the links in e-mails point (the app cannot know its public address by itself).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Who members contact about a form (shown on the form's error pages and in e-mails).
PROPOSALS_OFFICE_CONTACT = os.environ.get("PROPOSALS_OFFICE_CONTACT", "市政协提案委员会办公室")
# Scans of paper forms: at most this many megabytes.
SCAN_MAX_MB = int(os.environ.get("SCAN_MAX_MB") or 10)
# Letters uploaded in the admin to pre-fill a reply: at most this many megabytes.
LETTER_FILE_MAX_MB = int(os.environ.get("LETTER_FILE_MAX_MB") or 20)
# The seed letters the product loads (`manage.py load_seeds`).
SEEDS_DIR = Path(os.environ.get("SEEDS_DIR") or BASE_DIR / "seeds")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# The audit trail (proposals/history.py) is read-only: no revert from the admin, and reasons
# of any length (the library's default column holds 100 characters).
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# django-filter: an empty choice reads "all", not dashes.
FILTERS_EMPTY_CHOICE_LABEL = _("全部")
