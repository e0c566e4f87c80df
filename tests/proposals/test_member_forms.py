"""The member's satisfaction form: personal links, one form per person and round, voiding,
re-handling after 不满意, and paper forms with their scans."""

import datetime
import re
import time
from unittest import mock

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from proposals import links, services
from proposals.models import (
    FormChannel,
    FormInvitation,
    ProposalStatus,
    Rating,
    ReplyLetter,
    SatisfactionForm,
)
from tests.factories import (
    HandlingUnitFactory,
    ProposerFactory,
    ReplyLetterFactory,
    SupervisorFactory,
    unit_staff,
)

pytestmark = pytest.mark.django_db

SATISFIED = {"attitude_rating": "satisfied", "result_rating": "satisfied"}
DISSATISFIED = {"attitude_rating": "satisfied", "result_rating": "dissatisfied"}


def form_url(invitation: FormInvitation) -> str:
    return reverse("proposals:member-form", args=[links.link_token(invitation)])


def post(client, url, ratings=None, **extra):
    data = {**(ratings or SATISFIED), "comments": "谢谢", "signature_name": "李辉松", **extra}
    return client.post(url, data)


@pytest.fixture
def reply():
    proposer = ProposerFactory(name="李辉松", email="li@example.org", address="莲社北路1号")
    reply = ReplyLetterFactory(assignment__proposal__proposer=proposer, round=1)
    reply.assignment.proposal.co_signers.add(ProposerFactory(name="王芳", email="wang@example.org"))
    return reply


@pytest.fixture
def invitation(reply, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitations = services.invitations_send(reply=reply)
    return invitations[0]


def test_every_entitled_person_gets_their_own_link(reply, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitations = services.invitations_send(reply=reply)
        services.invitations_send(reply=reply)  # again: nothing new
    assert [i.rater.name for i in invitations] == ["李辉松", "王芳"]
    assert sorted(message.to[0] for message in mail.outbox) == [
        "li@example.org",
        "wang@example.org",
    ]
    urls = [re.search(r"http\S+/forms/\S+/", message.body).group() for message in mail.outbox]
    assert len(set(urls)) == 2


def test_the_member_rates_and_sees_what_was_submitted(client, invitation):
    url = form_url(invitation)
    page = client.get(url)
    assert page.status_code == 200
    for shown in ("政协提案办理情况征询意见表", "李辉松", "莲社北路1号", "A1", "满意"):
        assert shown in page.text
    assert post(client, url).status_code == 302

    form = SatisfactionForm.objects.get()
    assert (form.rater, form.channel, form.entered_by) == (invitation.rater, "online", None)
    assert (form.invitation, form.signed_on) == (invitation, datetime.date.today())
    again = client.get(url)
    assert "已提交，谢谢您的评价。" in again.text
    assert "<form" not in again.text.split("提案人填写")[1].split("答复函全文")[0]


def test_submitting_twice_keeps_one_form(client, invitation):
    url = form_url(invitation)
    post(client, url)
    second = post(client, url, {"attitude_rating": "dissatisfied", "result_rating": "dissatisfied"})
    assert second.status_code == 302
    assert SatisfactionForm.objects.count() == 1
    assert SatisfactionForm.objects.get().attitude_rating == Rating.SATISFIED


def test_the_service_refuses_a_second_form(invitation):
    services.form_submit(invitation=invitation, comments="", signature_name="李", **SATISFIED)
    with pytest.raises(services.FormNotAccepted) as refused:
        services.form_submit(invitation=invitation, comments="", signature_name="李", **SATISFIED)
    assert refused.value.reason == "already_submitted"
    assert SatisfactionForm.objects.count() == 1


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "x" + token,
        lambda token: "not-a-token",
        lambda token: signing.TimestampSigner(salt="other").sign_object({"i": 1, "n": "x"}),
    ],
)
def test_a_tampered_link_says_so_and_writes_nothing(client, invitation, tamper):
    url = reverse("proposals:member-form", args=[tamper(links.link_token(invitation))])
    for response in (client.get(url), post(client, url)):
        assert response.status_code == 404
        assert "链接无效" in response.text
        assert "市政协提案委员会办公室" in response.text
    assert not SatisfactionForm.objects.exists()


def test_a_forged_token_for_another_invitation_fails(client, invitation):
    other = FormInvitation.objects.exclude(pk=invitation.pk).get()
    forged = signing.TimestampSigner(salt=links.SALT).sign_object(
        {"i": other.pk, "n": invitation.nonce}, compress=True
    )
    response = client.get(reverse("proposals:member-form", args=[forged]))
    assert response.status_code == 410  # right signature, wrong nonce: not this person's
    assert not SatisfactionForm.objects.exists()


def test_an_expired_link(client, invitation, settings):
    old = time.time() - (settings.FORM_LINK_MAX_AGE_DAYS + 1) * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=old):
        token = links.link_token(invitation)
    response = post(client, reverse("proposals:member-form", args=[token]))
    assert response.status_code == 410
    assert "链接已过期" in response.text
    assert not SatisfactionForm.objects.exists()


def test_each_person_rates_for_themselves(client, invitation):
    co_signer = FormInvitation.objects.exclude(pk=invitation.pk).get()
    post(client, form_url(co_signer), rater=invitation.rater.pk)  # a smuggled field is ignored
    form = SatisfactionForm.objects.get()
    assert form.rater.name == "王芳"
    assert client.get(form_url(invitation)).context["submitted"] is None


def test_a_resent_link_retires_the_old_one(client, invitation, django_capture_on_commit_callbacks):
    old_url = form_url(invitation)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invitation_resend(invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.send_count == 2
    assert "已被新链接取代" in client.get(old_url).text
    assert client.get(form_url(invitation)).status_code == 200


def test_a_withdrawn_reply(client, invitation, reply):
    services.reply_withdraw(reply=reply, reason="误发")
    response = post(client, form_url(invitation))
    assert response.status_code == 410
    assert "已被承办单位撤回" in response.text
    assert not SatisfactionForm.objects.exists()


def test_another_rounds_link(client, invitation, reply):
    ReplyLetterFactory(assignment=reply.assignment, round=2)
    response = post(client, form_url(invitation))
    assert response.status_code == 410
    assert "已有新一轮答复" in response.text
    assert not SatisfactionForm.objects.exists()


def test_staff_cannot_fill_in_a_members_form(client, invitation, reply):
    client.force_login(unit_staff(reply.unit))
    response = post(client, form_url(invitation))
    assert response.status_code == 403
    assert "工作人员不能在线填写" in response.text
    assert not SatisfactionForm.objects.exists()


def test_staff_never_see_the_link(client, invitation, reply):
    client.force_login(unit_staff(reply.unit))
    page = client.get(reverse("admin:proposals_forminvitation_changelist")).text
    assert invitation.email in page
    assert invitation.nonce not in page
    assert "/forms/" not in page


def test_a_paper_form_typed_in_by_staff_is_paper(client, reply):
    staff = unit_staff(reply.unit)
    client.force_login(staff)
    response = client.post(
        reverse("admin:proposals_satisfactionform_add"),
        {
            "reply": reply.pk,
            "rater": reply.assignment.proposal.proposer.pk,
            "attitude_rating": "satisfied",
            "result_rating": "satisfied",
            "signature_name": "李辉松",
            "signed_on": "2025-05-10",
            "scan": SimpleUploadedFile("表.pdf", b"%PDF-1.4 scan", "application/pdf"),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    form = SatisfactionForm.objects.get()
    assert (form.channel, form.entered_by) == (FormChannel.PAPER, staff)
    assert re.fullmatch(r"forms/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", form.scan.name)

    scan = client.get(reverse("admin:proposals_satisfactionform_scan", args=[form.pk]))
    assert scan["Content-Type"] == "application/pdf"
    assert scan["X-Content-Type-Options"] == "nosniff"
    client.force_login(unit_staff(HandlingUnitFactory()))
    other = client.get(reverse("admin:proposals_satisfactionform_scan", args=[form.pk]))
    assert other.status_code in (302, 404)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("x.pdf", b"<script>alert(1)</script>", "application/pdf"), "PDF"),
        (SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n" + b"0" * 2_000_000, "image/png"), "MB"),
    ],
)
def test_a_scan_is_checked_by_content_and_size(client, reply, settings, upload, message):
    settings.SCAN_MAX_MB = 1
    client.force_login(unit_staff(reply.unit))
    response = client.post(
        reverse("admin:proposals_satisfactionform_add"),
        {
            "reply": reply.pk,
            "rater": reply.assignment.proposal.proposer.pk,
            "attitude_rating": "satisfied",
            "result_rating": "satisfied",
            "scan": upload,
        },
    )
    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors["scan"])
    assert not SatisfactionForm.objects.exists()


def test_a_supervisor_voids_a_form_with_a_reason(client, invitation, reply):
    form = services.form_submit(
        invitation=invitation, comments="", signature_name="李", **SATISFIED
    )
    url = reverse("admin:proposals_satisfactionform_void", args=[form.pk])
    client.force_login(unit_staff(reply.unit))
    assert client.post(url, {"reason": "单位代填"}).status_code == 403

    supervisor = SupervisorFactory()
    client.force_login(supervisor)
    assert "理由" in client.post(url, {"reason": "  "}).text  # a reason is required
    assert client.post(url, {"reason": "单位代填"}).status_code == 302
    form.refresh_from_db()
    assert (form.voided_by, form.void_reason) == (supervisor, "单位代填")
    assert ReplyLetter.objects.with_ratings().get().attitude is None
    # The member may rate again through a new link.
    services.invitation_resend(invitation=invitation)
    invitation.refresh_from_db()
    client.logout()
    assert post(client, form_url(invitation)).status_code == 302
    assert SatisfactionForm.objects.valid().count() == 1


def test_online_forms_cannot_be_changed_by_anyone(client, invitation):
    form = services.form_submit(
        invitation=invitation, comments="", signature_name="李", **SATISFIED
    )
    client.force_login(SupervisorFactory())
    url = reverse("admin:proposals_satisfactionform_change", args=[form.pk])
    client.post(url, {"attitude_rating": "dissatisfied"})
    form.refresh_from_db()
    assert form.attitude_rating == Rating.SATISFIED


def test_dissatisfied_opens_re_handling(
    client, invitation, reply, django_capture_on_commit_callbacks
):
    SupervisorFactory(email="duban@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, form_url(invitation), DISSATISFIED)
    assignment = reply.assignment
    assignment.refresh_from_db()
    assert assignment.rehandling_round == 2
    assert 28 <= (assignment.rehandling_due_on - datetime.date.today()).days <= 31
    assert assignment.proposal.status == ProposalStatus.REHANDLING
    assert any("duban@example.org" in message.to for message in mail.outbox)

    # The unit answers again in round 2: new links, the proposal replied again.
    round_two = ReplyLetterFactory(assignment=assignment, round=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_logged(reply=round_two)
    assignment.proposal.refresh_from_db()
    assert assignment.proposal.status == ProposalStatus.REPLIED
    assert FormInvitation.objects.filter(reply=round_two).count() == 2


def test_satisfied_opens_nothing(client, invitation, reply):
    post(
        client,
        form_url(invitation),
        {"attitude_rating": "basically_satisfied", "result_rating": "satisfied"},
    )
    reply.assignment.refresh_from_db()
    assert reply.assignment.rehandling_round is None


def test_a_paper_form_dissatisfied_opens_re_handling_too(client, reply):
    client.force_login(unit_staff(reply.unit))
    client.post(
        reverse("admin:proposals_satisfactionform_add"),
        {
            "reply": reply.pk,
            "rater": reply.assignment.proposal.proposer.pk,
            "attitude_rating": "dissatisfied",
            "result_rating": "satisfied",
            "scan": SimpleUploadedFile("表.png", b"\x89PNG\r\n\x1a\n0", "image/png"),
        },
    )
    reply.assignment.refresh_from_db()
    assert reply.assignment.rehandling_round == 2


def test_logging_a_reply_in_the_admin_sends_the_links(client, django_capture_on_commit_callbacks):
    assignment = ReplyLetterFactory().assignment
    proposer = assignment.proposal.proposer
    proposer.email = "member@example.org"
    proposer.save()
    client.force_login(unit_staff(assignment.unit))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:proposals_replyletter_add"),
            {
                "assignment": assignment.pk,
                "round": 2,
                "doc_number": "单位字〔2025〕99号",
                "title": "关于提案答复的函",
                "addressee": "尊敬的委员",
                "signing_unit": assignment.unit.name,
                "copied_to": "市政协提案委员会",
                "forms-TOTAL_FORMS": 0,
                "forms-INITIAL_FORMS": 0,
                "invitations-TOTAL_FORMS": 0,
                "invitations-INITIAL_FORMS": 0,
            },
        )
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["member@example.org"]]


def test_staff_resend_a_link_from_the_admin(
    client, invitation, reply, django_capture_on_commit_callbacks
):
    client.force_login(unit_staff(reply.unit))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:proposals_forminvitation_changelist"),
            {"action": "resend", "_selected_action": [invitation.pk]},
        )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.send_count == 2
    assert mail.outbox[-1].to == ["li@example.org"]
    assert client.get(reverse("admin:proposals_forminvitation_add")).status_code == 403


def test_a_paper_form_needs_its_scan_and_the_member_is_told_it_arrived(client, invitation, reply):
    client.force_login(unit_staff(reply.unit))
    data = {
        "reply": reply.pk,
        "rater": invitation.rater.pk,
        "attitude_rating": "satisfied",
        "result_rating": "satisfied",
    }
    add = reverse("admin:proposals_satisfactionform_add")
    refused = client.post(add, data)
    assert "扫描件" in str(refused.context["adminform"].form.errors["scan"])
    scan = SimpleUploadedFile("表.pdf", b"%PDF-1.4", "application/pdf")
    assert client.post(add, {**data, "scan": scan}).status_code == 302
    client.logout()
    page = client.get(form_url(invitation)).text
    assert "已收到您寄回的纸质征询意见表" in page


def test_a_logged_reply_stays_with_its_assignment_and_round(client, invitation, reply):
    other = ReplyLetterFactory(assignment__unit=reply.unit).assignment
    client.force_login(unit_staff(reply.unit))
    url = reverse("admin:proposals_replyletter_change", args=[reply.pk])
    form = client.get(url).context["adminform"].form
    assert "assignment" not in form.fields and "round" not in form.fields
    assert other.pk  # the reply cannot be moved to it


def test_a_voided_paper_form_cannot_be_edited(client, reply):
    form = SatisfactionForm.objects.create(
        reply=reply,
        rater=reply.assignment.proposal.proposer,
        attitude_rating="dissatisfied",
        result_rating="dissatisfied",
        channel="paper",
    )
    services.form_void(form=form, by=SupervisorFactory(), reason="录错")
    client.force_login(unit_staff(reply.unit))
    url = reverse("admin:proposals_satisfactionform_change", args=[form.pk])
    client.post(url, {"attitude_rating": "satisfied", "result_rating": "satisfied"})
    form.refresh_from_db()
    assert form.attitude_rating == "dissatisfied"
