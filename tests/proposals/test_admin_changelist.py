"""The admin's list of replies, as supervisors and unit staff open it many times a day: a fixed,
small number of queries whatever the number of rows, with or without filters.

Transactional tests: the filters' choices come from the cache of reference data, which, as in
production, is renewed when a write commits."""

import pytest
from django.contrib import admin
from django.contrib.admin.options import ModelAdmin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.admin import EstimatedCountPaginator
from proposals.models import OutcomeClass, Rating, Session
from tests.factories import (
    HandlingUnitFactory,
    ReplyLetterFactory,
    SatisfactionFormFactory,
    SessionFactory,
    SupervisorFactory,
    unit_staff,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("migration_rows")]

REPLIES = reverse("admin:proposals_replyletter_changelist")
# The login session; the user, with whether they are a supervisor; their permissions (the
# auth app's admins in the sidebar ask); the count (for the whole list on PostgreSQL, the
# table's estimated size); the page of replies; the forms shown on it.
SUPERVISOR_QUERIES = 6
# The same, and the user's units.
UNIT_STAFF_QUERIES = SUPERVISOR_QUERIES + 1


def rated_replies(count: int, unit=None) -> None:
    """`count` replies of one unit, each with a returned form."""
    unit = unit or HandlingUnitFactory()
    for _ in range(count):
        SatisfactionFormFactory(reply__assignment__unit=unit)


@pytest.fixture
def as_scale(monkeypatch):
    """The whole list is estimated (on PostgreSQL), not counted, as with the real number of
    replies."""
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_BELOW", 1)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_queries(client: Client, query: dict | None = None) -> list[str]:
    if connection.vendor == "postgresql":  # the estimate up to date, as autovacuum keeps it
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE proposals_replyletter")
    client.get(REPLIES, query)  # the reference data, once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(REPLIES, query)
    assert response.status_code == 200
    return [captured["sql"] for captured in queries]


@pytest.mark.parametrize("rows", [3, 25])
def test_supervisors_list_runs_a_fixed_number_of_queries(as_scale, rows):
    rated_replies(rows)
    queries = page_queries(logged_in(SupervisorFactory()))
    assert len(queries) == SUPERVISOR_QUERIES, "\n".join(queries)
    for sql in queries:  # nothing reads every reply: a full count, the units in use
        assert not ("DISTINCT" in sql and '"proposals_replyletter"' in sql), sql
        assert not ("COUNT(" in sql and connection.vendor == "postgresql"), sql


@pytest.mark.parametrize("rows", [3, 25])
def test_a_filtered_list_runs_as_many(as_scale, rows):
    unit = HandlingUnitFactory()
    rated_replies(rows, unit)
    filters = {
        "assignment__proposal__session__id__exact": Session.objects.get().pk,
        "unit__id__exact": unit.pk,
        "outcome_class__id__exact": OutcomeClass.objects.get(code="A1").pk,
        "group": "A",
        "attitude": Rating.SATISFIED,
        "result": Rating.SATISFIED,
        "is_published__exact": "0",
        "round": "1",
    }
    assert len(page_queries(logged_in(SupervisorFactory()), filters)) == SUPERVISOR_QUERIES


@pytest.mark.parametrize("rows", [3, 25])
def test_unit_staffs_list_runs_a_fixed_number_of_queries(as_scale, rows):
    unit = HandlingUnitFactory()
    rated_replies(rows, unit)
    rated_replies(2)  # another unit's
    client = logged_in(unit_staff(unit))
    assert len(page_queries(client)) == UNIT_STAFF_QUERIES
    assert client.get(REPLIES).context["cl"].result_count == rows


def test_the_filters_offer_reference_data_added_since_the_last_page():
    ReplyLetterFactory()
    client = logged_in(SupervisorFactory())
    client.get(REPLIES)
    unit = HandlingUnitFactory(name="新设承办单位")
    session = SessionFactory(term=15, meeting=1, year=2028)
    page = client.get(REPLIES).content.decode()
    assert f"unit__id__exact={unit.pk}" in page
    assert str(session) in page


def test_the_filters_choose_rows():
    kept = ReplyLetterFactory(doc_number="甲字〔2025〕1号")
    ReplyLetterFactory(
        doc_number="乙字〔2025〕2号",
        outcome_class=OutcomeClass.objects.get(code="B1"),
        assignment__proposal__session=SessionFactory(term=15, meeting=1),
    )
    client = logged_in(SupervisorFactory())
    for query in [
        {"unit__id__exact": kept.unit_id},
        {"outcome_class__id__exact": kept.outcome_class_id},
        {"group": "A"},
        {"assignment__proposal__session__id__exact": kept.assignment.proposal.session_id},
    ]:
        page = client.get(REPLIES, query).content.decode()
        assert "甲字〔2025〕1号" in page, query
        assert "乙字〔2025〕2号" not in page, query


def test_unit_staff_are_offered_their_own_units_only():
    own, also_own, other = HandlingUnitFactory.create_batch(3)
    ReplyLetterFactory(assignment__unit=other)
    staff = unit_staff(own)
    also_own.staff.add(staff)
    client = logged_in(staff)
    client.get(REPLIES)  # the reference data cached, with every unit
    [unit_filter] = [
        spec for spec in client.get(REPLIES).context["cl"].filter_specs if spec.title == "承办单位"
    ]
    assert unit_filter.lookup_choices == [(own.pk, own.name), (also_own.pk, also_own.name)]
    assert client.get(REPLIES, {"unit__id__exact": other.pk}).context["cl"].result_count == 0


def test_each_row_has_djangos_own_checkbox():
    """The checkbox is written without the widget's template, to the same markup."""
    reply = ReplyLetterFactory(doc_number='甲字<"1">号')
    model_admin = admin.site.get_model_admin(type(reply))
    assert model_admin.action_checkbox(reply) == ModelAdmin.action_checkbox(model_admin, reply)


def test_each_row_links_to_its_page_from_both_link_columns():
    replies = ReplyLetterFactory.create_batch(3)
    client = logged_in(SupervisorFactory())
    page = client.get(REPLIES).content.decode()
    filtered = client.get(REPLIES, {"round": "1"}).content.decode()
    for reply in replies:
        url = reverse("admin:proposals_replyletter_change", args=[reply.pk])
        assert page.count(f'href="{url}"') == 2
        assert filtered.count(f'href="{url}?_changelist_filters=round%3D1"') == 2
