"""The keyword search: what it finds on every database, and on PostgreSQL that the bigram
indexes serve it."""

from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from proposals.models import Proposal, ReplyLetter
from proposals.search import bigram_codes, proposals_matching, replies_matching
from proposals.selectors import visible_replies
from tests.factories import ProposalFactory, ReplyLetterFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the bigram indexes are PostgreSQL's"
)
SEARCH_MIGRATION = ("proposals", "0007_keyword_search")
SEARCH_INDEXES = import_module("proposals.migrations.0007_keyword_search").INDEXES


def numbers(keyword: str, *, published_only: bool = True) -> list[int]:
    matching = proposals_matching(keyword, visible_replies(published_only=published_only))
    return sorted(Proposal.objects.filter(matching).values_list("number", flat=True))


def reply_bodies(keyword: str) -> list[str]:
    replies = ReplyLetter.objects.filter(replies_matching(keyword))
    return sorted(replies.values_list("body", flat=True))


def published_reply(number: int, **kwargs) -> ReplyLetter:
    return ReplyLetterFactory(assignment__proposal__number=number, is_published=True, **kwargs)


@pytest.fixture
def letters():
    ProposalFactory(number=1, title="关于发展陶瓷产业的建议")
    published_reply(2, body="做大做强龙头日用陶瓷企业，推进5G基站建设。")
    published_reply(3, title="关于陶瓷文化提案的答复")
    published_reply(4, proposal_title="关于保护陶瓷老街区的建议")
    published_reply(5, body="陶瓷与瓷产品的产业链")
    ReplyLetterFactory(assignment__proposal__number=6, body="尚未公开：陶瓷窑火")


def test_two_characters_in_any_searched_text(letters):
    assert numbers("陶瓷") == [1, 2, 3, 4, 5]
    assert numbers("龙头") == [2]
    assert numbers("老街") == [4]


def test_longer_keywords_need_the_characters_in_order(letters):
    # Number 5 holds every bigram of 陶瓷产业 (陶瓷, 瓷产, 产业), but not in a row.
    assert numbers("陶瓷产业") == [1]
    assert numbers("日用陶瓷企业") == [2]
    assert numbers("瓷产品") == [5]


def test_ascii_letters_match_whatever_their_case(letters):
    assert numbers("5g") == [2]
    assert numbers("5G基站") == [2]


def test_unpublished_replies_match_only_for_supervisors(letters):
    assert numbers("窑火") == []
    assert numbers("窑火", published_only=False) == [6]


def test_replies_match_by_their_own_text_or_their_proposals_title():
    by_title = ReplyLetterFactory(assignment__proposal__title="关于陶瓷的建议", body="其一")
    ReplyLetterFactory(body="其二：陶瓷")
    ReplyLetterFactory(body="其三")
    assert reply_bodies("陶瓷") == ["其一", "其二：陶瓷"]
    assert by_title.body in reply_bodies("陶瓷的建")


def test_keywords_with_other_cased_letters_go_without_the_index():
    # Python and PostgreSQL may lower-case such letters differently: icontains decides.
    ProposalFactory(number=1, title="与 Café Étoile 合作")
    assert bigram_codes("Étoile") is None
    assert numbers("Café") == [1]


@on_postgresql
def test_the_database_codes_bigrams_as_python_does():
    with connection.cursor() as cursor:
        cursor.execute("SELECT proposals_bigrams(%s)", ["陶瓷AB，陶瓷"])
        (codes,) = cursor.fetchone()
    assert sorted(set(codes)) == bigram_codes("陶瓷ab，陶瓷")
    assert len(bigram_codes("陶瓷")) == 1


@on_postgresql
def test_postgresql_finds_the_rows_through_the_bigram_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: a scan would be cheaper
    public_replies = visible_replies(published_only=True)
    listing = Proposal.objects.filter(proposals_matching("陶瓷", public_replies))
    replies = ReplyLetter.objects.filter(replies_matching("陶瓷产业"))
    plans = listing.explain() + replies.explain()
    for index in SEARCH_INDEXES:
        assert index in plans


@pytest.mark.django_db(transaction=True)
def test_the_migration_applies_and_reverses(migration_rows):
    executor = MigrationExecutor(connection)
    previous = executor.loader.graph.node_map[SEARCH_MIGRATION].parents
    try:
        executor.migrate([parent.key for parent in previous])
        assert search_indexes() == set()
        executor.loader.build_graph()
        executor.migrate([SEARCH_MIGRATION])
        expected = set(SEARCH_INDEXES) if connection.vendor == "postgresql" else set()
        assert search_indexes() == expected
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def search_indexes() -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "proposals_replyletter")
        constraints |= connection.introspection.get_constraints(cursor, "proposals_proposal")
    return set(SEARCH_INDEXES) & set(constraints)


@on_postgresql
def test_the_bigram_function_is_declared_as_costly_as_it_is():
    # At the default cost of 100, PostgreSQL worked out the bigrams of every letter for a
    # keyword in most of them (发展: 27 s on 100 000 proposals) instead of reading the index
    # (0.5 s): see migration 0008.
    with connection.cursor() as cursor:
        cursor.execute("SELECT procost FROM pg_proc WHERE proname = 'proposals_bigrams'")
        assert cursor.fetchone() == (10_000,)
