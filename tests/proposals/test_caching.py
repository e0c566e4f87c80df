"""The cache in front of the public pages, the API and the statistics (proposals/caching.py):
pages come from the cache until a write commits, and never a stale one after it; each page
runs a fixed number of queries, on a miss and on a hit.

Transactional tests: the versions are renewed when a write commits, as in production."""

import os
import uuid

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.settings.base import cache_backend
from proposals import caching
from proposals.models import Proposal, ReplyLetter, Session
from tests.factories import (
    AssignmentFactory,
    HandlingUnitFactory,
    ProposerFactory,
    ReplyLetterFactory,
    SatisfactionFormFactory,
    SupervisorFactory,
    unit_staff,
)
from tests.proposals.test_admin import reply_post_data

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("migration_rows")]

LISTING = reverse("proposals:list")
STATISTICS = reverse("proposals:statistics")
API_PROPOSALS = reverse("api:proposals")
API_REPLIES = reverse("api:replies")


def detail(proposal) -> str:
    return reverse("proposals:detail", args=[proposal.pk])


def answered_proposals(count: int):
    """`count` proposals of one session, each answered by the same unit with a published,
    rated reply; the unit."""
    unit = HandlingUnitFactory()
    for _ in range(count):
        reply = ReplyLetterFactory(assignment__unit=unit, is_published=True)
        SatisfactionFormFactory(reply=reply)
        reply.assignment.proposal.co_signers.add(ProposerFactory())
    return unit


@pytest.fixture
def supervisor_client():
    client = Client()
    client.force_login(SupervisorFactory())
    return client


# What each page reads on a miss, the reference data (the filters' choices) being cached:
# the listing its count, its page, the assignments and the replies; the proposal page the
# proposal, its co-signers, assignments and replies, and the replies' history (changes of
# class); the API's proposals the listing's four and the co-signers; the API's replies their
# count and page.
PAGE_QUERIES = {"listing": 4, "filtered": 4, "deep": 4, "detail": 5, "proposals": 5, "replies": 2}


@pytest.mark.parametrize("rows", [3, 25])
def test_public_pages_run_a_fixed_number_of_queries_on_a_miss_and_none_on_a_hit(
    client, django_assert_max_num_queries, django_assert_num_queries, rows
):
    unit = answered_proposals(rows)
    session = Session.objects.get()
    urls = {
        "listing": LISTING,
        "filtered": f"{LISTING}?session={session.pk}&unit={unit.pk}&outcome=A1",
        "deep": f"{LISTING}?page={(rows + 19) // 20}",
        "detail": detail(Proposal.objects.last()),
        "proposals": API_PROPOSALS,
        "replies": API_REPLIES,
    }
    # The first page of all also reads the four kinds of reference data, once.
    with django_assert_max_num_queries(4 + PAGE_QUERIES["listing"]):
        assert client.get(LISTING, {"sort": "-number"}).status_code == 200
    for name, url in urls.items():
        with django_assert_max_num_queries(PAGE_QUERIES[name]):
            assert client.get(url).status_code == 200
        with django_assert_num_queries(0):
            assert client.get(url).status_code == 200


@pytest.mark.parametrize("rows", [3, 25])
@pytest.mark.parametrize("session", ["", "all"])
def test_statistics_run_a_fixed_number_of_queries_on_a_miss_and_a_hit(
    supervisor_client, django_assert_max_num_queries, django_assert_num_queries, rows, session
):
    answered_proposals(rows)
    supervisor_client.get(STATISTICS, {"session": session, "by": "category"})  # reference data
    # Each request reads the login session and the user, with their role (2); a miss then
    # counts proposals by category and assignments by unit, and lists the dissatisfied and
    # the overdue (4).
    with django_assert_max_num_queries(2 + 4):
        assert supervisor_client.get(STATISTICS, {"session": session}).status_code == 200
    with django_assert_num_queries(2):
        assert supervisor_client.get(STATISTICS, {"session": session}).status_code == 200


def test_a_reply_logged_and_published_shows_on_the_very_next_request(
    supervisor_client, django_assert_num_queries
):
    """The issue's test: every page is cached before, and no page is stale after."""
    assignment = AssignmentFactory()  # due in the past: overdue until it is answered
    staff = Client()
    staff.force_login(unit_staff(assignment.unit))
    visitor = Client()
    doc_number = "甲字〔2025〕9号"
    listing_chip = '<time datetime="2025-04-29">'  # the listing shows the reply's date
    public_pages = {
        LISTING: listing_chip,
        detail(assignment.proposal): doc_number,
        API_PROPOSALS: doc_number,
        API_REPLIES: doc_number,
    }
    for url, reply_shown in public_pages.items():
        visitor.get(url)
        with django_assert_num_queries(0):  # served from the cache
            assert reply_shown not in visitor.get(url).content.decode()
    supervisor_client.get(STATISTICS)
    assert "100.0%" not in supervisor_client.get(STATISTICS).content.decode()  # reply rate

    response = staff.post(
        reverse("admin:proposals_replyletter_add"),
        reply_post_data(assignment, doc_number=doc_number),
    )
    assert response.status_code == 302
    reply = ReplyLetter.objects.get()

    # Logged: the supervisors see it at once, the public not before it is published.
    assert "100.0%" in supervisor_client.get(STATISTICS).content.decode()
    supervision = supervisor_client.get(reverse("proposals:supervision-list")).content.decode()
    assert listing_chip in supervision
    for url, reply_shown in public_pages.items():
        assert reply_shown not in visitor.get(url).content.decode()

    response = supervisor_client.post(
        reverse("admin:proposals_replyletter_changelist"),
        {"action": "publish", "_selected_action": [reply.pk]},
    )
    assert response.status_code == 302
    assert ReplyLetter.objects.get().is_published

    for url, reply_shown in public_pages.items():
        assert reply_shown in visitor.get(url).content.decode(), url


def test_unpublishing_retires_the_cached_pages(client, supervisor_client):
    reply = ReplyLetterFactory(is_published=True, doc_number="甲字〔2025〕3号")
    assert reply.doc_number in client.get(API_REPLIES).content.decode()
    supervisor_client.post(
        reverse("admin:proposals_replyletter_changelist"),
        {"action": "unpublish", "_selected_action": [reply.pk]},
    )
    assert reply.doc_number not in client.get(API_REPLIES).content.decode()


def test_a_new_co_signer_and_a_new_unit_show_on_the_next_request(client):
    """Many-to-many changes renew the data; reference data (the filters' choices) its own."""
    reply = ReplyLetterFactory(is_published=True)
    proposal = reply.assignment.proposal
    assert "王联名" not in client.get(detail(proposal)).content.decode()
    assert "新设单位" not in client.get(LISTING).content.decode()

    proposal.co_signers.add(ProposerFactory(name="王联名"))
    HandlingUnitFactory(name="新设单位")

    assert "王联名" in client.get(detail(proposal)).content.decode()
    assert "新设单位" in client.get(LISTING).content.decode()


def test_within_an_uncommitted_write_pages_are_neither_served_nor_stored(client):
    reply = ReplyLetterFactory(is_published=True)
    client.get(API_REPLIES)
    with transaction.atomic():
        ReplyLetterFactory(is_published=True, doc_number="甲字〔2025〕7号")
        assert caching.renewal_pending()
        assert "甲字〔2025〕7号" in client.get(API_REPLIES).content.decode()
        transaction.set_rollback(True)
    content = client.get(API_REPLIES).content.decode()
    assert reply.doc_number in content
    assert "甲字〔2025〕7号" not in content


def test_logged_in_users_are_not_served_the_public_copy(client):
    ReplyLetterFactory(is_published=True)
    client.get(LISTING)
    client.force_login(unit_staff(HandlingUnitFactory()))
    assert "管理后台" in client.get(LISTING).content.decode()  # the staff's header


def test_each_visitor_gets_their_own_csrf_token():
    """The header's language switch posts with a CSRF token: a page from the cache carries
    the visitor's own, which the language switch accepts."""
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(LISTING)
    page = second.get(LISTING)
    assert "csrftoken" in page.cookies
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = second.post(
        reverse("set_language"), {"language": "en", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert "Proposals and replies" in second.get(LISTING).content.decode()  # not the Chinese copy
    assert "提案与答复" in first.get(LISTING).content.decode()


def test_exports_are_not_cached(client):
    ReplyLetterFactory(is_published=True)
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            b"".join(client.get(LISTING, {"format": "csv"}).streaming_content)
        assert len(queries) > 0


def test_an_evicted_version_never_revives_an_older_page():
    version, _page = caching.lookup("page:x", caching.DATA_VERSION)
    caching.store("page:x", version, "old")
    cache.delete(caching.DATA_VERSION)
    assert caching.lookup("page:x", caching.DATA_VERSION)[1] is None


def page(content: bytes) -> caching.CachedPage:
    return caching.CachedPage(200, {}, content, csrf_placeholder=None)


def test_a_process_copy_is_served_only_while_its_version_is_current():
    recent = caching.RecentPages(max_bytes=1000)
    version, _page = caching.lookup("page:x", caching.DATA_VERSION, recent)
    caching.store("page:x", version, page(b"old"), recent)
    assert caching.lookup("page:x", caching.DATA_VERSION, recent)[1].content == b"old"

    caching.renew_versions((caching.DATA_VERSION,))  # a write; another process then
    version, _page = caching.lookup("page:x", caching.DATA_VERSION)  # computes the page
    caching.store("page:x", version, page(b"new"))
    assert caching.lookup("page:x", caching.DATA_VERSION, recent)[1].content == b"new"


def test_process_copies_keep_within_their_bytes():
    recent = caching.RecentPages(max_bytes=10)
    recent.put("a", ("v", page(b"123456")))
    recent.put("b", ("v", page(b"123456")))
    assert recent.get("a") is None
    assert recent.get("b")[1].content == b"123456"
    assert recent.size == 6


def test_the_database_cache_serves_pages_from_its_migrated_table(client, django_assert_num_queries):
    ReplyLetterFactory(is_published=True)
    with override_settings(CACHES={"default": cache_backend("")}):
        client.get(API_REPLIES)
        with django_assert_num_queries(1):  # the version and the page, in one SELECT
            assert client.get(API_REPLIES).status_code == 200


def test_redis_serves_pages_with_one_client_per_pool(client, django_assert_num_queries):
    redis = pytest.importorskip("redis")
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url} (TEST_REDIS_URL)")
    ReplyLetterFactory(is_published=True)
    backend = {**cache_backend(url), "KEY_PREFIX": uuid.uuid4().hex}
    with override_settings(CACHES={"default": backend}):
        client.get(API_REPLIES)
        with django_assert_num_queries(0):
            assert client.get(API_REPLIES).status_code == 200
        redis_client = cache._cache
        assert redis_client.get_client() is redis_client.get_client()


def test_cache_settings_from_the_environment():
    assert cache_backend("")["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    redis = cache_backend("redis://cache.internal:6379/1")
    assert redis["BACKEND"] == "config.cache.RedisCache"
    assert redis["LOCATION"] == "redis://cache.internal:6379/1"
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        cache_backend("memcached://cache.internal")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_postgresql_jit_is_off():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
