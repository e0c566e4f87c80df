"""The permission matrix (tests/permission_matrix.py, shown in the README), cell by cell:
each role asks each address about each kind of data, and the answer must give exactly what
the matrix says; then tampered posts, which must be refused and change nothing."""

import datetime
import io
import json
import re
import zipfile
from dataclasses import dataclass, field

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings
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
from tests import permission_matrix as matrix
from tests.factories import (
    AssignmentFactory,
    HandlingUnitFactory,
    ProposalFactory,
    ProposerFactory,
    ReplyLetterFactory,
    SupervisorFactory,
    UserFactory,
    unit_staff,
)

pytestmark = pytest.mark.django_db

UNITS = ("own", "other")
STATES = ("published", "unpublished", "withdrawn", "unreplied")
DENIED_STATUSES = {302, 403, 404, 410}


@dataclass
class World:
    """The data every cell is asked about, the clients of the roles, and their answers."""

    objects: dict = field(default_factory=dict)  # kind -> its row
    markers: dict = field(default_factory=dict)  # kind -> {marker name: text}
    tokens: dict = field(default_factory=dict)  # link kind -> token
    proposals: dict = field(default_factory=dict)  # proposal kind -> Proposal
    assignments: dict = field(default_factory=dict)  # proposal kind -> Assignment
    users: dict = field(default_factory=dict)  # role -> user (or None)
    clients: dict = field(default_factory=dict)  # role -> Client
    answers: dict = field(default_factory=dict)  # (role, url) -> (status, location, text)

    def proposal(self, kind):
        return self.proposals[kind]

    def assignment(self, kind):
        return self.assignments[kind]

    def concealed(self, names) -> list[str]:
        return [m[name] for m in self.markers.values() for name in names if name in m]

    def answer(self, role: str, url: str):
        """What `role` gets at `url`; the data does not change between cells, so each
        address is asked once per role."""
        if (role, url) not in self.answers:
            response = self.clients[role].get(url)
            self.answers[role, url] = (
                response.status_code,
                response.get("Location", ""),
                answer_text(response),
            )
        return self.answers[role, url]


def answer_text(response) -> str:
    """The text of an answer: a page, JSON, CSV, or the XML inside a .docx or .xlsx."""
    if response.streaming:
        # Read to the end, the test client closes it (closing it again would signal the end
        # of a request, and Django would close the connection inside the module's transaction).
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    if content.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            names = [name for name in package.namelist() if name.endswith(".xml")]
            content = b"".join(package.read(name) for name in names)
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(json.loads(content), ensure_ascii=False)
    return content.decode("utf-8", errors="replace")


def build_world(tmp_media) -> World:
    world = World()
    sequence = 0
    proposers, invitations = {}, {}
    units = {u: HandlingUnitFactory(name=f"UNIT-{u}", full_name=f"UNITFULL-{u}") for u in UNITS}
    for u in UNITS:
        proposer = ProposerFactory(
            name=f"PROPOSER-{u}",
            phone=f"1390000000{UNITS.index(u)}",
            address=f"ADDRESS-{u}",
            email=f"member-{u}@example.org",
        )
        proposers[u] = proposer
        proposer_markers = {
            "proposer": proposer.name,
            "proposer_phone": proposer.phone,
            "proposer_address": proposer.address,
            "email": proposer.email,
        }
        world.objects[f"{u}-proposer"] = proposer
        world.markers[f"{u}-proposer"] = proposer_markers
        world.objects[f"{u}-unit"] = units[u]
        world.markers[f"{u}-unit"] = {"unit": units[u].full_name}
        for state in STATES:
            sequence += 1
            kind = f"{u}-{state}"
            status = ProposalStatus.ASSIGNED if state == "unreplied" else ProposalStatus.REPLIED
            proposal = ProposalFactory(title=f"TITLE-{kind}", proposer=proposer, status=status)
            assignment = AssignmentFactory(proposal=proposal, unit=units[u])
            world.proposals[kind] = proposal
            world.assignments[kind] = assignment
            world.markers[kind] = {"title": proposal.title}
            if state == "unreplied":
                continue
            reply = ReplyLetterFactory(
                assignment=assignment,
                doc_number=f"DOC-{kind}〔2025〕{sequence}号",
                body=f"BODY-{kind}",
                contact_name=f"CONTACT-{kind}",
                contact_phone=f"1380000{sequence:04d}",
                signed_on=datetime.date(2025, 4, 10 + sequence),
                is_published=state != "unpublished",
            )
            if state != "unpublished":
                invitations[kind] = services.invitations_send(reply=reply)[0]
            if state == "withdrawn":
                services.reply_withdraw(reply=reply, reason="sent by mistake")
            world.objects[kind] = reply
            world.markers[kind].update(
                {
                    "doc": reply.doc_number,
                    "body": reply.body,
                    "contact": reply.contact_name,
                    "phone": reply.contact_phone,
                    "date": reply.signed_on.isoformat(),
                    "proposer_phone": proposer.phone,
                    "proposer_address": proposer.address,
                }
            )
        published = world.objects[f"{u}-published"]
        form = SatisfactionForm(
            reply=published,
            rater=proposer,
            attitude_rating=Rating.SATISFIED,
            result_rating=Rating.SATISFIED,
            comments=f"COMMENT-{u}",
            channel=FormChannel.PAPER,
        )
        form.scan.save("scan.pdf", ContentFile(f"%PDF-1.4 SCAN-{u}".encode()), save=False)
        form.save()
        world.objects[f"{u}-form"] = form
        world.markers[f"{u}-form"] = {
            "doc": published.doc_number,
            "comment": form.comments,
            "scan": f"SCAN-{u}",
        }
        world.objects[f"{u}-invitation"] = invitations[f"{u}-published"]
        world.markers[f"{u}-invitation"] = {"email": proposer.email}

    own, other = invitations["own-published"], invitations["other-published"]
    own_token, other_token = links.link_token(own), links.link_token(other)
    world.tokens = {
        "own-link": own_token,
        "withdrawn-link": links.link_token(invitations["own-withdrawn"]),
        # Another proposal's invitation named in the member's own signed token.
        "tampered-link": other_token.split(":")[0] + own_token[own_token.index(":") :],
    }
    world.objects.update(world.tokens)
    world.markers["own-link"] = world.markers["own-published"]
    world.markers["withdrawn-link"] = world.markers["own-withdrawn"]
    world.markers["tampered-link"] = {
        **world.markers["other-published"],
        **world.markers["other-form"],
    }
    world.markers["page"] = {}

    world.users = {
        "anonymous": None,
        "member": None,
        "staff": unit_staff(units["own"], username="staff-own"),
        "supervisor": SupervisorFactory(username="supervisor"),
        "superuser": UserFactory(username="superuser", is_superuser=True),
    }
    for role, user in world.users.items():
        world.clients[role] = Client()
        if user:
            world.clients[role].force_login(user)
    # The member has opened their own link before wandering elsewhere.
    world.clients["member"].get(reverse("proposals:member-form", args=[own_token]))
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module in a transaction rolled back at its end; each test runs in
    a savepoint of it (pytest-django's), so what a test writes is undone after it."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        with transaction.atomic():
            yield build_world(media)
            transaction.set_rollback(True)


def cell_id(role, resource, kind) -> str:
    return f"{role}-{resource.key}-{kind}"


CELLS = list(matrix.cells())


@pytest.mark.parametrize(
    ("role", "resource", "kind", "scope"),
    CELLS,
    ids=[cell_id(role, resource, kind) for role, resource, kind, _scope in CELLS],
)
def test_cell(world, role, resource, kind, scope):
    url = resource.url(world, kind)
    status, location, text = world.answer(role, url)
    markers = world.markers[kind]
    # A proposal not yet replied is shown by its title where its reply would be.
    marker = resource.marker if resource.marker in markers or not markers else "title"
    secrets = [markers[name] for name in (marker, *resource.secrets) if name in markers]
    if scope.denied:
        assert status in DENIED_STATUSES, f"{url} answered {status}"
        if status == 302:
            assert location.startswith(("/admin/login/", reverse("admin:index"))), location
    if scope.includes(kind):
        assert status == 200, f"{url} answered {status}"
        if marker:
            assert markers[marker] in text, f"{url}: {markers[marker]} absent"
    else:
        assert status != 500
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, f"{url} shows {leaked}"
    concealed = [secret for secret in world.concealed(resource.conceals) if secret in text]
    assert not concealed, f"{url} shows contact data {concealed}"


def test_the_readme_shows_the_matrix():
    readme = matrix.README.read_text(encoding="utf-8")
    assert matrix.readme_with_table(readme) == readme, (
        "README.md's permission matrix is out of date: run `python -m tests.permission_matrix`"
    )


# Tampered posts: refused, and nothing changes -------------------------------------------

ADMIN_INDEX = "/admin/"


def admin_url(model: str, view: str, *args) -> str:
    return reverse(f"admin:proposals_{model}_{view}", args=args)


def reply_data_of(reply, **overrides) -> dict:
    """The reply's change form posted as it stands, but for `overrides`."""
    return {
        **reply_data(reply.assignment),
        "loaded_version": reply.version,
        "round": reply.round,
        "doc_number": reply.doc_number,
        "title": reply.title,
        "body": reply.body,
        "signing_unit": reply.signing_unit,
        "signed_on": reply.signed_on.isoformat(),
        "contact_name": reply.contact_name,
        "contact_phone": reply.contact_phone,
        **overrides,
    }


def reply_data(assignment, **overrides) -> dict:
    return {
        "assignment": assignment.pk,
        "round": 2,
        "doc_number": "TAMPERED〔2025〕99号",
        "title": "关于提案答复的函",
        "addressee": "尊敬的委员",
        "body": "TAMPERED",
        "signing_unit": "UNIT-own",
        "signed_on": "2025-04-29",
        "contact_name": "TAMPERED",
        "contact_phone": "13800009999",
        **overrides,
    }


def snapshot() -> tuple:
    """Everything a tampered post could have written."""
    replies = ReplyLetter.objects.order_by("pk").values_list(
        "pk", "assignment", "unit", "doc_number", "body", "is_published", "withdrawn_at"
    )
    forms = SatisfactionForm.objects.order_by("pk").values_list(
        "pk", "reply", "rater", "attitude_rating", "comments", "voided_at"
    )
    invitations = FormInvitation.objects.order_by("pk").values_list("pk", "nonce", "send_count")
    return list(replies), list(forms), list(invitations)


def staff_client(world) -> Client:
    client = Client()
    client.force_login(world.users["staff"])
    return client


def refused(response) -> bool:
    """A form shown again with its errors, a refusal (403, 404, back to the index), or a
    list's action that did nothing (back to the list): snapshot() tells which changed."""
    return response.status_code in {200, 302, 403, 404}


TAMPERED_STAFF_POSTS = {
    # A reply to another unit's assignment, or moved there from one's own.
    "reply-add-other-assignment": lambda w: (
        admin_url("replyletter", "add"),
        reply_data(w.assignment("other-unreplied"), unit=w.objects["own-unit"].pk),
    ),
    "reply-change-move-to-other-assignment": lambda w: (
        admin_url("replyletter", "change", w.objects["own-unpublished"].pk),
        reply_data_of(w.objects["own-unpublished"], assignment=w.assignment("other-unreplied").pk),
    ),
    "reply-change-other-units-reply": lambda w: (
        admin_url("replyletter", "change", w.objects["other-unpublished"].pk),
        reply_data(w.assignment("other-unpublished"), round=1),
    ),
    "reply-change-publish-own": lambda w: (
        admin_url("replyletter", "change", w.objects["own-unpublished"].pk),
        reply_data_of(w.objects["own-unpublished"], is_published="on"),
    ),
    "reply-delete-own": lambda w: (
        admin_url("replyletter", "delete", w.objects["own-published"].pk),
        {"post": "yes"},
    ),
    "reply-withdraw-own": lambda w: (
        admin_url("replyletter", "withdraw", w.objects["own-published"].pk),
        {"reason": "tampered"},
    ),
    "reply-withdraw-other": lambda w: (
        admin_url("replyletter", "withdraw", w.objects["other-published"].pk),
        {"reason": "tampered"},
    ),
    "bulk-publish-own-and-other": lambda w: (
        admin_url("replyletter", "changelist"),
        {
            "action": "publish",
            ACTION_CHECKBOX_NAME: [
                w.objects["own-unpublished"].pk,
                w.objects["other-unpublished"].pk,
            ],
        },
    ),
    "bulk-delete-other-replies": lambda w: (
        admin_url("replyletter", "changelist"),
        {
            "action": "delete_selected",
            "post": "yes",
            ACTION_CHECKBOX_NAME: [w.objects["other-published"].pk],
        },
    ),
    "bulk-resend-other-units-links": lambda w: (
        admin_url("forminvitation", "changelist"),
        {"action": "resend", ACTION_CHECKBOX_NAME: [w.objects["other-invitation"].pk]},
    ),
    # Paper forms for another unit's reply, or rated by another unit's proposer.
    "form-add-other-reply": lambda w: (
        admin_url("satisfactionform", "add"),
        paper_form_data(w.objects["other-published"], w.objects["other-proposer"]),
    ),
    "form-add-other-rater": lambda w: (
        admin_url("satisfactionform", "add"),
        paper_form_data(w.objects["own-published"], w.objects["other-proposer"]),
    ),
    "form-change-other-units-form": lambda w: (
        admin_url("satisfactionform", "change", w.objects["other-form"].pk),
        paper_form_data(w.objects["other-published"], w.objects["other-proposer"]),
    ),
    "form-change-move-to-other-reply": lambda w: (
        admin_url("satisfactionform", "change", w.objects["own-form"].pk),
        paper_form_data(w.objects["other-published"], w.objects["own-proposer"]),
    ),
    "form-void-own": lambda w: (
        admin_url("satisfactionform", "void", w.objects["own-form"].pk),
        {"reason": "tampered"},
    ),
    # Rows unit staff only read.
    "assignment-change-own": lambda w: (
        admin_url("assignment", "change", w.assignment("own-unreplied").pk),
        {
            "proposal": w.proposal("own-unreplied").pk,
            "unit": w.objects["other-unit"].pk,
            "role": "lead",
            "assigned_on": "2025-02-01",
            "due_on": "2025-05-01",
        },
    ),
    "unit-change-join-other-unit": lambda w: (
        reverse("admin:offices_handlingunit_change", args=[w.objects["other-unit"].pk]),
        {"name": "UNIT-other", "staff": [w.users["staff"].pk]},
    ),
    "unit-change-own": lambda w: (
        reverse("admin:offices_handlingunit_change", args=[w.objects["own-unit"].pk]),
        {"name": "UNIT-own", "staff": [w.users["staff"].pk, w.users["supervisor"].pk]},
    ),
}


def inline_management(client, url) -> dict:
    """The hidden fields of a change form's inlines, as the page gives them."""
    page = client.get(url).content.decode()
    hidden = re.findall(
        r'<input type="hidden" name="([^"]+-[A-Z_]+FORMS|[^"]+-id)" value="([^"]*)"', page
    )
    return dict(hidden)


def paper_form_data(reply, rater) -> dict:
    return {
        "reply": reply.pk,
        "rater": rater.pk,
        "attitude_rating": Rating.DISSATISFIED,
        "result_rating": Rating.DISSATISFIED,
        "comments": "TAMPERED",
        "signature_name": "TAMPERED",
        "scan": ContentFile(b"%PDF-1.4 tampered", name="scan.pdf"),
    }


@pytest.mark.parametrize(
    "case", TAMPERED_STAFF_POSTS, ids=[f"staff-{c}" for c in TAMPERED_STAFF_POSTS]
)
def test_tampered_staff_post_is_refused(world, case):
    url, data = TAMPERED_STAFF_POSTS[case](world)
    before = snapshot()
    units = list(world.objects["other-unit"].staff.values_list("pk", flat=True))
    response = staff_client(world).post(url, data)
    assert refused(response), f"{url} answered {response.status_code}"
    assert snapshot() == before
    assert list(world.objects["other-unit"].staff.values_list("pk", flat=True)) == units


def test_prefill_with_another_units_assignment_shows_nothing_of_it(world):
    other = world.assignment("other-published")
    url = f"{admin_url('replyletter', 'add')}?assignment={other.pk}"
    text = answer_text(staff_client(world).get(url))
    for name in ("title", "contact", "phone"):
        assert world.markers["other-published"][name] not in text


def member_post(world, token, **extra):
    url = reverse("proposals:member-form", args=[token])
    data = {
        "attitude_rating": Rating.DISSATISFIED,
        "result_rating": Rating.DISSATISFIED,
        "comments": "MEMBER",
        "signature_name": "PROPOSER-own",
        **extra,
    }
    return Client().post(url, data)


def test_member_post_with_another_reply_id_rates_only_their_own(world):
    """Hidden ids smuggled into the member's form are not read: the link says what is rated."""
    other_reply = world.objects["other-unpublished"]
    # The member's paper form is voided: they may rate again through their link.
    own_form = SatisfactionForm.objects.get(pk=world.objects["own-form"].pk)
    services.form_void(form=own_form, by=world.users["supervisor"], reason="typed wrongly")
    member_post(
        world,
        world.tokens["own-link"],
        reply=other_reply.pk,
        rater=world.objects["other-proposer"].pk,
        invitation=world.objects["other-invitation"].pk,
    )
    added = SatisfactionForm.objects.filter(comments="MEMBER").get()
    assert (added.reply, added.rater) == (
        world.objects["own-published"],
        world.objects["own-proposer"],
    )
    assert not SatisfactionForm.objects.filter(reply=other_reply).exists()


@pytest.mark.parametrize(
    ("token", "status"),
    [("tampered-link", 404), ("withdrawn-link", 410)],
    ids=["member-tampered-link-post", "member-withdrawn-link-post"],
)
def test_member_post_through_a_bad_link_changes_nothing(world, token, status):
    before = snapshot()
    assert member_post(world, world.tokens[token]).status_code == status
    assert snapshot() == before


@pytest.mark.parametrize("role", ["staff", "supervisor", "superuser"])
def test_a_staff_session_cannot_post_the_members_form(world, role):
    before = snapshot()
    client = world.clients[role]
    url = reverse("proposals:member-form", args=[world.tokens["own-link"]])
    response = client.post(
        url, {"attitude_rating": "satisfied", "result_rating": "satisfied", "signature_name": "X"}
    )
    assert response.status_code == 403
    assert snapshot() == before


def test_anonymous_posts_to_the_admin_go_to_the_login(world):
    before = snapshot()
    response = Client().post(
        admin_url("replyletter", "add"), reply_data(world.assignment("own-unreplied"))
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert snapshot() == before


@pytest.mark.parametrize("how", ["bulk-publish", "change-form"])
def test_a_withdrawn_reply_is_never_published(world, how):
    """A reply sent by mistake stays out of public view, even at a supervisor's click."""
    withdrawn = world.objects["own-withdrawn"]
    client = world.clients["supervisor"]
    if how == "bulk-publish":
        data = {"action": "publish", ACTION_CHECKBOX_NAME: [withdrawn.pk]}
        client.post(admin_url("replyletter", "changelist"), data)
    else:
        url = admin_url("replyletter", "change", withdrawn.pk)
        data = {**inline_management(client, url), **reply_data_of(withdrawn, is_published="on")}
        response = client.post(url, data)
        assert response.status_code == 302, re.findall(r"errorlist.{0,300}", answer_text(response))
    withdrawn.refresh_from_db()
    assert not withdrawn.is_published
