"""The cache in front of the public pages, the open-data API and the supervisors' statistics,
and of the reference data every listing reads (the filters' choices).

Why: at 100 000 proposals (PostgreSQL, JIT off) a filtered listing page costs some 100 ms,
the API's replies 400 ms and the statistics of one session seconds; yet the data changes a
few times an hour while the public reads it all day. A page served from the cache costs one
cache round trip and about 0.5 ms of Python.

Never stale: the cache holds a *data version*, a random token that every write replaces once
it commits; a cached page is stored with the version read before its queries ran, and served
only while that version is current. Each request reads the version from the shared cache;
the page itself comes with it (one `get_many`), or from the copy this process kept when it
last served it (`RECENT_PAGES`: the version alone is then read). A write is any save or
delete of a model of the `proposals` and `offices` apps and any change of a proposal's
co-signers (the signals connected by `watch_writes`), and any bulk write that calls
`data_changed()` itself (`QuerySet.update()` and `bulk_create()` send no signals). The
reference data (sessions, units, categories, outcome classes and schemes) has a version of
its own, so that a reply logged does not make the next listing read the choices again.

Why after the commit: a request that reads the version while a write is still uncommitted
computes the page without it; renewing the version once the write commits retires what that
request stored. A request whose own transaction holds an uncommitted write neither reads nor
stores pages (what it sees, others may never see).

What is cached (`CachedPageMixin.cache_audience` says, view by view): GET responses with
status 200 of the public listing and proposal pages for anonymous visitors, of the API for
everyone (it looks at no login), and of the statistics for supervisors (one page for all of
them: it shows nothing of the user but the header every supervisor sees). The key holds the
full URL (host and query), the language (Chinese unless the visitor switched), today's date
(overdue days change at midnight) and the audience. Staff pages, exports, responses that set
a cookie and errors are not cached. The header's language switch carries a CSRF token: the
page is stored with a random placeholder in its place, and each response gets the visitor's
own token (and cookie) as an uncached page would.

The backend must be shared by every gunicorn worker and server, or a write seen by one
worker would not retire the pages of the others: Redis (`CACHE_URL=redis://…`) or, with
nothing set, the database cache (table `django_cache`, made by a migration); see
config/settings/base.py. Tests use a local memory cache: one process.
"""

import functools
import hashlib
import secrets
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.response import SimpleTemplateResponse
from django.utils import timezone, translation

DATA_VERSION = "data-version"
REFERENCE_VERSION = "reference-version"
WATCHED_APPS = ["proposals", "offices"]
REFERENCE_MODELS = {
    "proposals.session",
    "proposals.category",
    "proposals.outcomescheme",
    "proposals.outcomeclass",
    "offices.handlingunit",
}
# Who shares a cached page (see CachedPageMixin.cache_audience).
PUBLIC = "public"
SUPERVISORS = "supervisors"


def data_changed(*, reference: bool = False) -> None:
    """The data of the cached pages (and, with `reference`, the reference data) has changed:
    once the current transaction commits (at once outside one), new versions retire what
    the cache holds. Called by the signals, and by bulk writes, which send none."""
    keys = (DATA_VERSION, REFERENCE_VERSION) if reference else (DATA_VERSION,)
    if not renewal_pending(keys):
        transaction.on_commit(functools.partial(renew_versions, keys))


def renew_versions(keys: tuple[str, ...]) -> None:
    cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)


def renewal_pending(keys: tuple[str, ...] = (DATA_VERSION,)) -> bool:
    """The current transaction has written data whose versions it will renew on commit."""
    return any(
        getattr(callback, "func", None) is renew_versions and set(keys) <= set(callback.args[0])
        for _savepoints, callback, _robust in transaction.get_connection().run_on_commit
    )


class RecentPages:
    """The pages this process served lately, with their versions, so that serving one again
    reads only the version from the shared cache (a few bytes, not the page): the newest,
    up to `max_bytes` of content."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.entries = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: str):
        with self.lock:
            return self.entries.get(key)

    def put(self, key: str, entry: tuple[str, "CachedPage"]) -> None:
        with self.lock:
            previous = self.entries.pop(key, None)
            if previous:
                self.size -= len(previous[1].content)
            self.entries[key] = entry
            self.size += len(entry[1].content)
            while self.size > self.max_bytes:
                _key, (_version, page) = self.entries.popitem(last=False)
                self.size -= len(page.content)


RECENT_PAGES = RecentPages(max_bytes=16 * 1024 * 1024)


def lookup(key: str, version_key: str, recent: RecentPages | None = None):
    """The current version of `version_key`, and the value cached under `key` if it was
    stored under that version (else None). One round trip: for the version alone where
    `recent` holds a copy of the value, else for both."""
    remembered = recent.get(key) if recent else None
    if remembered is None:
        values = cache.get_many([version_key, key])
        version, entry = values.get(version_key), values.get(key)
    else:
        version, entry = cache.get(version_key), remembered
    if version is None:
        version = fresh_version(version_key)
    if remembered is not None and remembered[0] != version:
        entry = cache.get(key)  # another process may have stored the current one
    if entry is None or entry[0] != version:
        return version, None
    if recent:
        recent.put(key, entry)
    return version, entry[1]


def fresh_version(version_key: str) -> str:
    """For a version never set, or evicted: a new one, which nothing stored before matches."""
    cache.add(version_key, uuid.uuid4().hex, timeout=None)
    return cache.get(version_key)


def store(key: str, version: str, value, recent: RecentPages | None = None) -> None:
    cache.set(key, (version, value))
    if recent:
        recent.put(key, (version, value))


def cached_reference(function):
    """A function of no argument that reads reference data: its result is cached until a
    session, unit, category or outcome class changes."""
    key = f"reference:{function.__module__}.{function.__qualname__}"

    @functools.wraps(function)
    def wrapper():
        if renewal_pending((REFERENCE_VERSION,)):
            return function()
        version, value = lookup(key, REFERENCE_VERSION)
        if value is None:
            value = function()
            store(key, version, value)
        return value

    return wrapper


@dataclass(frozen=True)
class CachedPage:
    status_code: int
    headers: dict[str, str]
    content: bytes
    csrf_placeholder: str | None  # where the visitor's CSRF token goes

    def content_for(self, request) -> bytes:
        if not self.csrf_placeholder:
            return self.content
        return self.content.replace(self.csrf_placeholder.encode(), get_token(request).encode())

    def response_for(self, request) -> HttpResponse:
        return HttpResponse(
            self.content_for(request), status=self.status_code, headers=self.headers
        )


class CachedPageMixin:
    """For views: GET responses come from the cache when `cache_audience()` names who may
    share them. Put it after the mixins that check permissions."""

    def cache_audience(self) -> str | None:
        """Whom this request's response may be served to: PUBLIC, SUPERVISORS, or None (not
        cached)."""
        return None

    def dispatch(self, request, *args, **kwargs):
        audience = self.cache_audience() if request.method in {"GET", "HEAD"} else None
        if audience is None or renewal_pending():
            return super().dispatch(request, *args, **kwargs)
        key = page_key(request, audience)
        version, page = lookup(key, DATA_VERSION, RECENT_PAGES)
        if page is not None:
            return page.response_for(request)
        response = super().dispatch(request, *args, **kwargs)
        placeholder = render_with_csrf_placeholder(response)
        if response.streaming:
            return response
        page = CachedPage(
            response.status_code, dict(response.items()), response.content, placeholder
        )
        if is_cacheable(response):
            store(key, version, page, RECENT_PAGES)
        if placeholder:
            response.content = page.content_for(request)
        return response


def page_key(request, audience: str) -> str:
    identity = "\n".join(
        [
            audience,
            translation.get_language(),
            timezone.localdate().isoformat(),
            request.build_absolute_uri(),
        ]
    )
    return "page:" + hashlib.sha256(identity.encode()).hexdigest()


def render_with_csrf_placeholder(response) -> str | None:
    """Render a template response with a placeholder for the CSRF token; the placeholder,
    or None where the response was rendered already or has no template context."""
    if not isinstance(response, SimpleTemplateResponse) or response.is_rendered:
        return None
    placeholder = None
    if isinstance(response.context_data, dict):
        placeholder = secrets.token_hex(16)
        response.context_data["csrf_token"] = placeholder
    response.render()
    return placeholder


def is_cacheable(response) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
    )


def watch_writes() -> None:
    """Renew the versions on every save and delete of the watched apps' models and on every
    change of their many-to-many relations (called once, by ProposalsConfig.ready)."""
    for label in WATCHED_APPS:
        for model in apps.get_app_config(label).get_models():
            post_save.connect(model_written, sender=model, dispatch_uid=f"caching-save-{model}")
            post_delete.connect(model_written, sender=model, dispatch_uid=f"caching-delete-{model}")
            for field in model._meta.local_many_to_many:
                m2m_changed.connect(
                    relation_changed,
                    sender=field.remote_field.through,
                    dispatch_uid=f"caching-m2m-{model}-{field.name}",
                )


def model_written(sender, **kwargs) -> None:
    data_changed(reference=sender._meta.label_lower in REFERENCE_MODELS)


def relation_changed(sender, action: str, **kwargs) -> None:
    if action.startswith("post_"):
        data_changed()
