"""Test runs: fast hashing, plain static storage (no collectstatic needed)."""

from .base import *  # noqa: F403

SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Tests never run collectstatic: whitenoise looks the files up where they are.
WHITENOISE_AUTOREFRESH = True
# One process: the local memory cache is shared by everything a test does.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# django-axes needs the request that Django's test Client.login() does not pass: off, except
# in the tests of the login throttling (tests/config/test_security.py), which turn it on.
AXES_ENABLED = False
