"""gunicorn in production: `gunicorn config.wsgi` reads this file from the project folder.

Every value comes from the environment, with defaults for one server behind a reverse proxy
(nginx, or a load balancer) that terminates HTTPS; options given on the command line win.
"""

import multiprocessing
import os
from pathlib import Path

# Behind a proxy on the same host; GUNICORN_BIND=0.0.0.0:8000 when the balancer is elsewhere.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers spend part of each request waiting on PostgreSQL: two per core, plus one.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)
# A sync worker is silent while it answers one request: the longest (an export of the whole
# data set as .xlsx) must finish well within this many seconds.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 120)
graceful_timeout = 30
keepalive = 5

# Load the app once in the master: workers start fast and share its memory.
preload_app = True
# Recycle each worker after this many requests (jittered, so that they do not all restart at
# once), bounding the memory a slow leak in a library could take.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS") or 1000)
max_requests_jitter = max_requests // 10

# The workers' heartbeat files: in memory, so that a slow disk never makes a worker look dead.
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"

# "-" is standard output; GUNICORN_ACCESS_LOG=/var/log/… for a file, or empty for none.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The client's address as the proxy saw it, then the usual fields and the time taken (µs).
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(D)s "%(a)s"'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def when_ready(server):
    """In the master, once the app is loaded and before the workers start: import the URLconf
    (every view, the admin, the API) and read the Chinese catalogue, so that the workers
    inherit them; otherwise each new worker, a recycled one included, spends some 0.3 s of its
    first request on them."""
    if not server.cfg.preload_app:
        return
    from django.conf import settings
    from django.db import connections
    from django.urls import resolve
    from django.utils import translation

    resolve("/ping")
    with translation.override(settings.LANGUAGE_CODE):
        translation.gettext("提案")
    # Nothing above should open a connection; the workers must never share one.
    connections.close_all()
