"""The admin forms' own checks on malformed or conflicting input (found by tests/test_fuzz.py):
each answers with the form and its error, never a 500."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from proposals.forms import ListTextField
from proposals.models import ReplyLetter, SatisfactionForm
from tests.factories import (
    AssignmentFactory,
    ReplyLetterFactory,
    SatisfactionFormFactory,
    SupervisorFactory,
    unit_staff,
)
from tests.proposals.test_admin import reply_post_data

pytestmark = pytest.mark.django_db


def test_a_list_field_checks_each_part_for_nul_characters():
    """Django's validators read the list's repr, where a NUL is `\\x00`: it went through to
    the database (a 500 on PostgreSQL, whose JSON cannot hold it)."""
    field = ListTextField(required=False)
    assert field.clean("市政协提案委员会，市政府督查室。") == ["市政协提案委员会", "市政府督查室"]
    with pytest.raises(ValidationError) as refused:
        field.clean("市政协\x00提案委员会，市政府督查室")
    assert [error.code for error in refused.value.error_list] == ["null_characters_not_allowed"]


def test_a_reply_with_a_nul_in_its_copies_is_refused(client):
    assignment = AssignmentFactory()
    client.force_login(SupervisorFactory())
    response = client.post(
        reverse("admin:proposals_replyletter_add"),
        reply_post_data(assignment, copied_to="市政协\x00提案委员会"),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["copied_to"]
    assert not ReplyLetter.objects.exists()


def paper_form_data(reply) -> dict:
    return {
        "reply": reply.pk,
        "rater": reply.assignment.proposal.proposer_id,
        "attitude_rating": "satisfied",
        "result_rating": "satisfied",
        "signature_name": "李辉松",
        "scan": SimpleUploadedFile("表.pdf", b"%PDF-1.4 scan", "application/pdf"),
    }


def test_a_second_paper_form_of_the_same_rater_is_refused(client):
    """The one-valid-form constraint reads voided_at, which the form has not: Django left it
    to the database, whose IntegrityError was a 500."""
    reply = ReplyLetterFactory()
    first = SatisfactionFormFactory(reply=reply)
    client.force_login(unit_staff(reply.unit))
    url = reverse("admin:proposals_satisfactionform_add")
    response = client.post(url, paper_form_data(reply))
    assert response.status_code == 200
    assert "已就这件答复函填过征询意见表" in str(response.context["adminform"].form.errors)
    assert list(SatisfactionForm.objects.all()) == [first]

    # A voided form does not count: the rater's new form is taken.
    SatisfactionForm.objects.filter(pk=first.pk).update(voided_at=first.entered_at, void_reason="x")
    assert client.post(url, paper_form_data(reply)).status_code == 302
    assert SatisfactionForm.objects.valid().count() == 1


def test_a_paper_form_corrected_keeps_its_rater(client):
    """Its own row is not the other form the check looks for."""
    reply = ReplyLetterFactory()
    client.force_login(unit_staff(reply.unit))
    assert client.post(reverse("admin:proposals_satisfactionform_add"), paper_form_data(reply))
    form = SatisfactionForm.objects.get()
    data = {**paper_form_data(reply), "result_rating": "basically_satisfied"}
    del data["scan"]
    response = client.post(reverse("admin:proposals_satisfactionform_change", args=[form.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    form.refresh_from_db()
    assert form.result_rating == "basically_satisfied"
