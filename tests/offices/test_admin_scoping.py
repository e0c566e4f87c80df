"""The admin's shared behaviour on malformed input (found by tests/test_fuzz.py): a refused
form, a filter or a search term that PostgreSQL cannot take answer as a mistake, never a 500."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from proposals.models import ReplyLetter
from tests.factories import AssignmentFactory, ReplyLetterFactory, SupervisorFactory
from tests.proposals.test_admin import reply_post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor_client(client):
    client.force_login(SupervisorFactory())
    return client


@pytest.mark.parametrize("value", ["abc", "' OR 1=1 --", "1.5", "9" * 30])
def test_a_refused_form_with_a_malformed_autocomplete_value_is_shown_again(
    supervisor_client, value
):
    """Django's autocomplete widget looked the refused value up as an id: a 500."""
    assignment = AssignmentFactory()
    data = {**reply_post_data(assignment), "assignment": value}
    response = supervisor_client.post("/admin/proposals/replyletter/add/", data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["assignment"]
    assert not ReplyLetter.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "/admin/proposals/replyletter/?group=A%00",  # a SimpleListFilter of the project's
        "/admin/proposals/satisfactionform/?attitude_rating__exact=satisfied%00",
        "/admin/proposals/session/?committee=%E5%B8%82%00",
    ],
)
def test_a_nul_character_in_a_list_filter_is_a_malformed_filter(supervisor_client, query):
    """psycopg refuses a NUL in a parameter (a 500 on PostgreSQL): the list says the filter
    is wrong, as Django does for any other."""
    response = supervisor_client.get(query)
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_a_search_term_with_a_nul_character_finds_nothing(supervisor_client):
    ReplyLetterFactory(title="关于提案答复的函")
    model_admin = admin.site.get_model_admin(ReplyLetter)
    request = RequestFactory().get("/")
    request.user = SupervisorFactory(username="searcher")
    results, _ = model_admin.get_search_results(request, ReplyLetter.objects.all(), "答复\x00")
    assert results.query.is_empty()
    # The autocomplete passes its term on uncleaned (the list's search form refuses it).
    response = supervisor_client.get(
        "/admin/autocomplete/",
        {
            "term": "答复\x00",
            "app_label": "proposals",
            "model_name": "replyletter",
            "field_name": "assignment",
        },
    )
    assert response.status_code == 200
    assert response.json()["results"] == []
