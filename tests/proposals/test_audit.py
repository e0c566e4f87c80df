"""The audit trail (proposals.history): who changed what, when and why, read-only in the admin;
the change of a published reply's class needs a reason, which its public page shows."""

import datetime
from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from proposals import services
from proposals.models import (
    Assignment,
    OutcomeClass,
    Proposal,
    ProposalStatus,
    Rating,
    ReplyLetter,
    SatisfactionForm,
)
from tests.factories import (
    AssignmentFactory,
    HandlingUnitFactory,
    ProposalFactory,
    ReplyLetterFactory,
    SatisfactionFormFactory,
    SupervisorFactory,
    unit_staff,
)
from tests.proposals.test_admin import admin_url, reply_post_data
from tests.proposals.test_letter_reader import make_letter

pytestmark = pytest.mark.django_db

TRACKED = [Proposal, Assignment, ReplyLetter, OutcomeClass, SatisfactionForm]


def reply_change_data(reply, **overrides) -> dict:
    """What the reply's change form posts (its inlines list rows, and take none)."""
    data = reply_post_data(
        reply.assignment,
        loaded_version=reply.version,
        doc_number=reply.doc_number,
        outcome_class=reply.outcome_class_id or "",
        **({"is_published": "on"} if reply.is_published else {}),
    )
    for prefix in ("invitations", "forms"):
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    return data | overrides


def a_class(code: str) -> OutcomeClass:
    return OutcomeClass.objects.get(code=code)


# ------------------------------------------------------------------------------ recording


@pytest.mark.parametrize(
    "make",
    [
        ProposalFactory,
        AssignmentFactory,
        ReplyLetterFactory,
        SatisfactionFormFactory,
        lambda: OutcomeClass.objects.create(
            scheme=a_class("A1").scheme, code="D", group="D", definition="其他"
        ),
    ],
)
def test_every_tracked_model_records_create_change_and_delete(make):
    row = make()
    model, pk = type(row), row.pk
    model.objects.get(pk=pk).save()
    row.delete()
    types = model.history.filter(id=pk).order_by("history_id").values_list("history_type")
    assert [history_type for (history_type,) in types] == ["+", "~", "-"]


def test_the_history_models_are_not_editable_in_the_admin():
    for model in TRACKED:
        assert not admin.site.is_registered(model.history.model)


def test_an_admin_change_keeps_who_when_and_each_old_and_new_value(client):
    supervisor = SupervisorFactory()
    proposal = ProposalFactory(title="旧标题")
    client.force_login(supervisor)
    data = {
        "session": proposal.session_id,
        "number_prefix": "",
        "number": proposal.number,
        "title": "新标题",
        "proposer": proposal.proposer_id,
        "status": ProposalStatus.FILED,
        "assignments-TOTAL_FORMS": 0,
        "assignments-INITIAL_FORMS": 0,
    }
    response = client.post(admin_url("proposal", "change", proposal.pk), data)
    assert response.status_code == 302
    latest, first = proposal.history.all()[:2]
    assert latest.history_user == supervisor and latest.history_type == "~"
    assert timezone.now() - latest.history_date < datetime.timedelta(minutes=1)
    (change,) = latest.diff_against(first).changes
    assert (change.field, change.old, change.new) == ("title", "旧标题", "新标题")


def test_co_signers_are_part_of_a_proposals_history():
    proposal = ProposalFactory()
    co_signer = ProposalFactory().proposer
    proposal.co_signers.add(co_signer)
    latest = proposal.history.first()
    assert [row.proposer_id for row in latest.co_signers.all()] == [co_signer.pk]


def test_publishing_from_the_list_is_recorded_for_the_replies_it_changed(client):
    supervisor = SupervisorFactory()
    unpublished, published = ReplyLetterFactory(), ReplyLetterFactory(is_published=True)
    client.force_login(supervisor)
    client.post(
        admin_url("replyletter", "changelist"),
        {"action": "publish", "_selected_action": [unpublished.pk, published.pk]},
    )
    latest = unpublished.history.first()
    assert (latest.is_published, latest.history_user) == (True, supervisor)
    assert published.history.count() == 1  # nothing changed: nothing recorded


def test_a_void_is_recorded_with_who_and_why(client):
    supervisor = SupervisorFactory()
    form = SatisfactionFormFactory()
    client.force_login(supervisor)
    url = reverse("admin:proposals_satisfactionform_void", args=[form.pk])
    client.post(url, {"reason": "代填，非本人意见"})
    latest = form.history.first()
    assert latest.voided_at is not None
    assert (latest.history_user, latest.history_change_reason) == (supervisor, "代填，非本人意见")


def test_a_void_outside_a_request_names_the_supervisor_too():
    supervisor = SupervisorFactory()
    form = SatisfactionFormFactory()
    services.form_void(form=form, by=supervisor, reason="重复录入")
    assert form.history.first().history_user == supervisor


def test_a_withdrawal_keeps_its_reason():
    reply = ReplyLetterFactory(is_published=True)
    services.reply_withdraw(reply=reply, reason="发错了对象")
    latest = reply.history.first()
    assert (latest.is_published, latest.history_change_reason) == (False, "发错了对象")


def test_a_status_changed_by_a_dissatisfied_form_is_recorded():
    form = SatisfactionFormFactory(result_rating=Rating.DISSATISFIED)
    services.rehandling_open_if_dissatisfied(form=form)
    proposal = form.reply.assignment.proposal
    assert proposal.history.first().status == ProposalStatus.REHANDLING


# ------------------------------------------------------------------------------- imports


def import_file(tmp_path, **changes) -> str:
    """Import one letter (the standard one, with `changes`); its path."""
    (*options,) = changes.pop("options", ())
    path = tmp_path / "letter.txt"
    path.write_text(make_letter(**changes), encoding="utf-8")
    call_command("import_letters", str(path), *options, stdout=StringIO(), stderr=StringIO())
    return str(path)


def test_imported_rows_are_recorded_with_no_user_and_their_file(tmp_path):
    path = import_file(tmp_path)
    reply = ReplyLetter.objects.get()
    for row in (reply, reply.assignment, reply.assignment.proposal):
        (record,) = row.history.all()
        assert (record.history_type, record.history_user) == ("+", None)
        assert record.history_change_reason == f"import_letters {path}"
    import_file(tmp_path, body="一是加强统筹。\n\n二是完善政策。\n\n三是新增的一段。")
    latest = reply.history.first()
    assert (latest.history_type, latest.history_change_reason) == ("~", f"import_letters {path}")
    assert "三是新增的一段。" in latest.body


def test_seeds_are_recorded_with_their_file():
    call_command("load_seeds", stdout=StringIO())
    reasons = set(ReplyLetter.history.values_list("history_change_reason", flat=True))
    assert reasons and all(reason.startswith("load_seeds ") for reason in reasons)


def test_an_import_leaves_the_class_of_a_published_reply_and_says_why(tmp_path):
    import_file(tmp_path, options=["--publish"], **{"class": "分类：A2"})
    out = StringIO()
    path = tmp_path / "letter.txt"
    path.write_text(make_letter(**{"class": "分类：A1"}), encoding="utf-8")
    call_command("import_letters", str(path), "--publish", stdout=out, stderr=StringIO())
    assert ReplyLetter.objects.get().outcome_class.code == "A2"
    assert "答复函已公开，办理结果分类仍为A2（函中为A1）" in out.getvalue()


def test_an_unpublished_reply_takes_the_class_its_letter_gives(tmp_path):
    import_file(tmp_path, **{"class": "分类：A2"})
    import_file(tmp_path, **{"class": "分类：A1"})
    assert ReplyLetter.objects.get().outcome_class.code == "A1"


# --------------------------------------------------------------------- the admin's history


@pytest.fixture
def two_units():
    unit_a, unit_b = HandlingUnitFactory(), HandlingUnitFactory()
    return {
        "a": unit_a,
        "form_a": SatisfactionFormFactory(reply__assignment__unit=unit_a),
        "form_b": SatisfactionFormFactory(reply__assignment__unit=unit_b),
    }


def rows_of(form: SatisfactionForm) -> dict[str, object]:
    reply = form.reply
    return {
        "satisfactionform": form,
        "replyletter": reply,
        "assignment": reply.assignment,
        "proposal": reply.assignment.proposal,
    }


def test_unit_staff_see_the_history_of_their_own_units_rows_only(client, two_units):
    client.force_login(unit_staff(two_units["a"]))
    for model, row in rows_of(two_units["form_a"]).items():
        response = client.get(admin_url(model, "history", row.pk))
        assert response.status_code == 200, model
        version = row.history.first().history_id
        url = admin_url(model, "simple_history", row.pk, version)
        assert client.get(url).status_code == 200, model
    for model, row in rows_of(two_units["form_b"]).items():
        assert client.get(admin_url(model, "history", row.pk)).status_code == 403, model
        version = row.history.first().history_id
        url = admin_url(model, "simple_history", row.pk, version)
        assert client.get(url).status_code == 403, model


def test_supervisors_see_every_history_with_the_changes(client):
    reply = ReplyLetterFactory(title="旧标题")
    reply.title = "新标题"
    reply.save()
    client.force_login(SupervisorFactory())
    page = client.get(admin_url("replyletter", "history", reply.pk)).content.decode()
    assert "旧标题" in page and "新标题" in page
    scheme = a_class("A1").scheme
    url = admin_url("outcomeclass", "history", a_class("A1").pk)
    assert client.get(url).status_code == 200
    assert str(scheme) in client.get(admin_url("outcomeclass", "change", a_class("A1").pk)).text


def test_the_history_of_a_deleted_row_stays_with_supervisors(client):
    form = SatisfactionFormFactory()
    pk = form.pk
    form.delete()
    client.force_login(SupervisorFactory())
    assert client.get(admin_url("satisfactionform", "history", pk)).status_code == 200
    client.force_login(unit_staff(HandlingUnitFactory()))
    assert client.get(admin_url("satisfactionform", "history", pk)).status_code == 403


@pytest.mark.parametrize("object_id", ["abc", "99999999"])
def test_a_malformed_or_unknown_id_is_404(client, object_id):
    client.force_login(SupervisorFactory())
    assert client.get(admin_url("replyletter", "history", object_id)).status_code == 404
    url = admin_url("replyletter", "simple_history", object_id, "x1")
    assert client.get(url).status_code == 404


def test_history_cannot_be_reverted(client):
    reply = ReplyLetterFactory(title="旧标题")
    first = reply.history.first().history_id
    reply.title = "新标题"
    reply.save()
    client.force_login(SupervisorFactory())
    url = admin_url("replyletter", "simple_history", reply.pk, first)
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.text
    response = client.post(url, reply_change_data(reply, title="旧标题"))
    assert response.status_code == 405
    reply.refresh_from_db()
    assert reply.title == "新标题"
    assert reply.history.count() == 2


# ------------------------------------------------------- a published reply's class changed


def test_changing_a_published_replys_class_needs_a_reason(client):
    reply = ReplyLetterFactory(is_published=True, outcome_class=a_class("A2"))
    client.force_login(SupervisorFactory())
    url = admin_url("replyletter", "change", reply.pk)
    assert "调整分类的理由" in client.get(url).text
    response = client.post(url, reply_change_data(reply, outcome_class=a_class("A1").pk))
    assert response.status_code == 200
    assert "这件答复函已公开：调整办理结果分类须写明理由。" in response.text
    reply.refresh_from_db()
    assert reply.outcome_class.code == "A2" and reply.history.count() == 1


def test_the_reason_is_kept_and_the_public_page_notes_the_change(client):
    reply = ReplyLetterFactory(is_published=True, outcome_class=a_class("A2"))
    client.force_login(SupervisorFactory())
    data = reply_change_data(
        reply, outcome_class=a_class("A1").pk, outcome_change_reason="  承办单位补充落实了措施 "
    )
    response = client.post(admin_url("replyletter", "change", reply.pk), data)
    assert response.status_code == 302
    latest = reply.history.first()
    assert latest.history_change_reason == "承办单位补充落实了措施"
    client.logout()
    page = client.get(reverse("proposals:detail", args=[reply.assignment.proposal_id])).text
    today = timezone.localdate()
    changed_on = f"{today.year}年{today.month}月{today.day}日"
    assert f"办理结果分类于{changed_on}由A2调整为A1：承办单位补充落实了措施" in page


def test_an_unpublished_replys_class_changes_freely_and_is_not_noted(client):
    reply = ReplyLetterFactory(outcome_class=a_class("A2"))
    client.force_login(SupervisorFactory())
    url = admin_url("replyletter", "change", reply.pk)
    assert "调整分类的理由" not in client.get(url).text
    response = client.post(url, reply_change_data(reply, outcome_class=a_class("A1").pk))
    assert response.status_code == 302
    reply.is_published = True
    reply.save()
    client.logout()
    page = client.get(reverse("proposals:detail", args=[reply.assignment.proposal_id])).text
    assert "办理结果分类于" not in page


def test_staff_changing_other_fields_of_a_published_reply_give_no_reason(client):
    reply = ReplyLetterFactory(is_published=True)
    client.force_login(unit_staff(reply.unit))
    data = reply_change_data(reply, title="更正后的标题")
    del data["is_published"]  # read-only for unit staff
    response = client.post(admin_url("replyletter", "change", reply.pk), data)
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.title == "更正后的标题"
