"""Local development: debug on, a throwaway secret, local hosts only."""

from .base import *  # noqa: F403
from .base import env_bool, env_list

DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-never-used-in-production"  # noqa: F405
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
