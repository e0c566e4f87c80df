"""Settings come from the environment; production refuses to start without its secrets."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def load_settings(module: str, **env) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['ENGINE'], settings.DEBUG, "
            "settings.LANGUAGE_CODE, settings.TIME_ZONE)",
        ],
        cwd=PROJECT,
        env={**clean, "DJANGO_SETTINGS_MODULE": module, **env},
        capture_output=True,
        text=True,
    )


PRODUCTION = {
    "SECRET_KEY": "s" * 50,
    "ALLOWED_HOSTS": "example.org",
    "DATABASE_URL": "sqlite:////tmp/x.db",
}


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = load_settings("config.settings.prod", **env)
    assert result.returncode != 0
    assert f"The environment variable {missing} must be set" in result.stderr


def test_production_starts_with_everything_set():
    result = load_settings("config.settings.prod", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "False",
        "zh-hans",
        "Asia/Shanghai",
    ]


def test_development_needs_nothing_and_uses_sqlite():
    result = load_settings("config.settings.dev")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "django.db.backends.sqlite3"


def test_database_url_selects_postgresql_through_psycopg():
    result = load_settings("config.settings.dev", DATABASE_URL="postgres://u@127.0.0.1:5432/db")
    assert result.stdout.split()[0] == "django.db.backends.postgresql"
    import psycopg  # noqa: F401  (psycopg 3 is what Django's backend loads)


def test_production_uses_whitenoise_with_hashed_compressed_names():
    from django.conf import settings

    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.STORAGES['staticfiles']['BACKEND'])",
        ],
        cwd=PROJECT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.prod", **PRODUCTION},
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_collectstatic_writes_hashed_and_compressed_files_for_whitenoise(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=PROJECT,
        env={
            **os.environ,
            **PRODUCTION,
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "STATIC_ROOT": str(tmp_path),
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    names = {path.name for path in (tmp_path / "css").iterdir()}
    hashed = [name for name in names if re.fullmatch(r"admin\.[0-9a-f]{12}\.css", name)]
    assert hashed, names
    assert f"{hashed[0]}.gz" in names
    assert (tmp_path / "staticfiles.json").exists()


def test_uploads_go_to_an_s3_compatible_store_when_a_bucket_is_set():
    """Several servers share the scans: S3_BUCKET switches the default storage to S3
    (django-storages); files stay private and links are signed (computed offline here)."""
    env = {
        "S3_BUCKET": "tracker-scans",
        "S3_ENDPOINT_URL": "https://s3.example.org",
        "S3_REGION": "cn-east-1",
        "S3_ACCESS_KEY_ID": "key",
        "S3_SECRET_ACCESS_KEY": "secret",
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith("S3_")}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from django.core.files.storage import storages; s = storages['default']; "
            "print(type(s).__name__, s.bucket_name, s.default_acl, s.url('scans/a.pdf'))",
        ],
        cwd=PROJECT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.dev", **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    name, bucket, acl, url = result.stdout.split()
    assert (name, bucket, acl) == ("S3Storage", "tracker-scans", "private")
    assert url.startswith("https://s3.example.org/tracker-scans/media/scans/a.pdf?")
    assert "Signature" in url


def test_uploads_stay_on_the_local_disk_by_default():
    from django.core.files.storage import storages

    assert type(storages["default"]).__name__ == "FileSystemStorage"
