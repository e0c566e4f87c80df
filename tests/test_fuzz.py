"""Hostile input everywhere: hypothesis sends random and hostile values to every filter, form
and API parameter (huge strings, control characters, SQL and HTML fragments, out-of-range and
malformed numbers, repeated keys, broken percent-encodings) and checks that

- no answer is a 5xx and nothing is logged at ERROR (Django's security log aside: it logs the
  400s it answers to a forged admin lookup, which is what it should do);
- nothing in the database changed, where the request is a read or a post that is refused;
- an HTML page never carries a hostile fragment unescaped.

Each test draws FUZZ_EXAMPLES examples (default 30: the file runs in `make test`); set it
higher for a long run, on SQLite and on PostgreSQL (NUL characters fail there only).
"""

import hashlib
import html
import logging
import os
import re
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proposals import links, services
from proposals.models import Category, FormInvitation, ProposalStatus
from tests.factories import (
    AssignmentFactory,
    HandlingUnitFactory,
    ProposalFactory,
    ProposerFactory,
    ReplyLetterFactory,
    SatisfactionFormFactory,
    SupervisorFactory,
    unit_staff,
)

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
fuzz_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("FUZZ_RANDOM"),  # the same examples in every `make test`
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


class Raw(str):
    """A value sent as it is in the query string, not percent-encoded: `%zz`, `%e4%b8`."""


# What an HTML page must never show unescaped.
SCRIPT, IMG = "<script>fuzz()</script>", '"><img src=x onerror=fuzz()>'
HOSTILE_MARKUP = ("<script>fuzz()", "<img src=x onerror=fuzz()>")
SQL = ["' OR 1=1 --", "%", "_", "\\", "%%", "'; DROP TABLE proposals_proposal; --", '"', "`"]
HTML = [SCRIPT, IMG, f"</textarea>{SCRIPT}", "javascript:fuzz()", "{{ 7|add:7 }}", "{% debug %}"]
NUMBERS = [
    str(2**31),
    str(2**63),
    str(2**64),
    str(-(2**63) - 1),
    "9" * 40,
    "-1",
    "0",
    "00",
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "1.5",
    "0x10",
    "1_000",
    "+1",
]
FULL_WIDTH = ["１２３", "２０２５", "Ａ１", "－１", "٣", "①"]
BLANK = ["", " ", "\t\n", "\u3000", "\u200b", "\ufeff"]
CONTROL = ["\x00", "a\x00b", "A1\x00", "\x1b[31m", "\r\n", "\x7f", "\U0001f600"]
RAW = [Raw("%"), Raw("%2"), Raw("%zz"), Raw("%e4%b8"), Raw("%ff%fe"), Raw("%00"), Raw("a%")]
WORDS = ["null", "None", "true", "false", "[]", "{}", "all", "any", "none", "first", "csv"]

hostile_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
huge_text = st.builds(
    lambda piece, times: piece * times,
    st.sampled_from(["a", "中", "\x00", "%", "<", "'"]),
    st.sampled_from([1_000, 100_000]),
)


def values(*valid: str) -> st.SearchStrategy[str]:
    """A value for one parameter: hostile, or (to reach further in) one it accepts."""
    families = [SQL, HTML, NUMBERS, FULL_WIDTH, BLANK, CONTROL, RAW, WORDS]
    strategies = [st.sampled_from(family) for family in families]
    strategies += [hostile_text, huge_text, st.integers().map(str), st.floats().map(str)]
    if valid:
        # An accepted value, as it is or with something hostile around it (`A1\x00`).
        accepted = st.sampled_from(valid)
        hostile = st.sampled_from([*CONTROL, *SQL, *HTML, *FULL_WIDTH])
        strategies.append(accepted)
        strategies.append(st.tuples(accepted, hostile).map(lambda pair: pair[0] + pair[1]))
        strategies.append(st.tuples(hostile, accepted).map(lambda pair: pair[0] + pair[1]))
        # NUL fails on PostgreSQL only, and only where no form field checks for it.
        strategies.append(accepted.map(lambda value: f"{value}\x00"))
    return st.one_of(strategies)


def params(
    names: dict[str, tuple[str, ...]], *, unknown: bool = True, max_size: int = 5
) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Some of `names` (now and then a name nobody expects), each once or repeated."""
    unexpected = ["", "fuzz", "page[]", "q\x00", "__class__"] if unknown else []
    name = st.sampled_from([*sorted(names), *unexpected])
    pair = name.flatmap(lambda key: st.tuples(st.just(key), values(*names.get(key, ()))))
    return st.lists(pair, max_size=max_size)


def query_string(pairs) -> str:
    return "&".join(
        f"{quote(key, safe='')}={value if isinstance(value, Raw) else quote(value, safe='')}"
        for key, value in pairs
    )


def path_segment() -> st.SearchStrategy[str]:
    """A path parameter: an id out of range, or anything (404 where it is not digits)."""
    ids = st.one_of(
        st.integers(min_value=0, max_value=10**30).map(str),
        st.sampled_from(NUMBERS),
    )
    return st.one_of(ids, values().filter(lambda value: value and "/" not in value))


# --- The properties ------------------------------------------------------------------------


def snapshot() -> dict[str, str]:
    """A checksum of every row the project keeps (the admin's log and the users included)."""
    models = [
        *apps.get_app_config("proposals").get_models(),
        *apps.get_app_config("offices").get_models(),
        get_user_model(),
        LogEntry,
    ]
    return {
        model._meta.label: hashlib.sha256(
            repr(list(model.objects.order_by("pk").values_list())).encode()
        ).hexdigest()
        for model in models
    }


class ErrorLog(logging.Handler):
    """What was logged at ERROR, but Django's security log of a refused (400) request."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        if not record.name.startswith("django.security"):
            self.records.append(record)


@pytest.fixture
def error_log():
    handler = ErrorLog()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


def check(response, error_log, *, before=None, what=""):
    """No 5xx, nothing logged at ERROR, nothing changed (with `before`), markup escaped."""
    errors = [record.getMessage() for record in error_log.records]
    error_log.records.clear()  # the next example starts afresh, whatever this one found
    assert response.status_code < 500, (what, response.status_code)
    assert not errors, (what, errors)
    if before is not None:
        assert snapshot() == before, what
    content_type = response.get("Content-Type", "")
    if content_type.startswith("text/html") and not getattr(response, "streaming", False):
        page = response.content.decode(errors="replace")
        for fragment in HOSTILE_MARKUP:
            assert fragment not in page, (what, fragment)


def get_unchanged(client, path, pairs, error_log):
    url = f"{path}?{query_string(pairs)}" if pairs else path
    before = snapshot()
    response = client.get(url)
    check(response, error_log, before=before, what=url[:300])
    return response


def post_checked(client, path, data, error_log, *, may_save=False):
    """A post that is refused changes nothing; with `may_save` (the values drawn may happen to
    be valid) a redirect says it was saved."""
    before = snapshot()
    response = client.post(path, data)
    saved = may_save and response.status_code == 302
    check(response, error_log, before=None if saved else before, what=(path, data))
    return response


# --- The world every test fuzzes ----------------------------------------------------------


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """Two units, a supervisor, one unit's staff; a proposal with a published reply and a
    member's link to rate it; another unit's unpublished reply, with a returned form."""
    unit_a = HandlingUnitFactory(name="国家试验区管委会办公室")
    unit_b = HandlingUnitFactory(name="市文化广电新闻出版旅游局")
    category = Category.objects.create(name="经济建设")
    proposer = ProposerFactory(name="李辉松", email="li@example.org")
    proposal = ProposalFactory(
        category=category, proposer=proposer, is_key=True, status=ProposalStatus.REPLIED
    )
    assignment = AssignmentFactory(proposal=proposal, unit=unit_a)
    reply = ReplyLetterFactory(assignment=assignment, is_published=True, body="关于陶瓷的答复")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitations_send(reply=reply)[0]
    other = ReplyLetterFactory(assignment__unit=unit_b, is_published=False)
    SatisfactionFormFactory(reply=other, rater=other.assignment.proposal.proposer)
    return {
        "unit_a": unit_a,
        "unit_b": unit_b,
        "category": category,
        "proposal": proposal,
        "assignment": assignment,
        "reply": reply,
        "other": other,
        "invitation": invitation,
        "supervisor": SupervisorFactory(username="fuzz-supervisor"),
        "staff": unit_staff(unit_a, username="fuzz-staff"),
    }


def client_of(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def listing_names(world, *, supervisor: bool = False) -> dict[str, tuple[str, ...]]:
    names = {
        "q": ("陶瓷", "关于", "答复"),
        "session": (str(world["proposal"].session_id), "all"),
        "year": ("2025",),
        "unit": (str(world["unit_a"].pk), str(world["unit_b"].pk)),
        "outcome": ("A1", "C2"),
        "group": ("A", "B"),
        "attitude": ("satisfied", "dissatisfied", "any", "none"),
        "result": ("basically_satisfied", "any", "none"),
        "category": (str(world["category"].pk), "none"),
        "key": ("true", "false"),
        "status": ("replied", "all_registered"),
        "sort": ("number", "-number", "date", "-date", "class", "-class"),
        "page": ("1", "2", "last"),
        "format": ("csv", "xlsx", "json"),
    }
    if supervisor:
        names |= {
            "state": ("assigned", "replied", "pending", "overdue", "on_time", "late"),
            "published": ("true", "false"),
            "channel": ("online", "paper"),
            "rating_round": ("first",),
        }
    return names


# --- Public pages, supervisors' pages, the API ---------------------------------------------


@fuzz_settings
@given(data=st.data())
def test_public_listing(world, error_log, data):
    pairs = data.draw(params(listing_names(world)))
    get_unchanged(client_of(), reverse("proposals:list"), pairs, error_log)


@fuzz_settings
@given(data=st.data())
def test_supervisors_listing_and_statistics(world, error_log, data):
    client = client_of(world["supervisor"])
    pairs = data.draw(params(listing_names(world, supervisor=True)))
    get_unchanged(client, reverse("proposals:supervision-list"), pairs, error_log)
    names = {
        "session": (str(world["proposal"].session_id), "all"),
        "by": ("unit", "category", "group"),
    }
    pairs = data.draw(params(names))
    get_unchanged(client, reverse("proposals:statistics"), pairs, error_log)


@fuzz_settings
@given(data=st.data())
def test_api(world, error_log, data):
    names = {
        **listing_names(world),
        "page": ("1", "2", "last"),
        "page_size": ("1", "200", "201"),
        "cursor": ("cD0x",),
        "limit": ("10",),
        "offset": ("10",),
        "format": ("json", "api"),
    }
    path = data.draw(st.sampled_from([reverse("api:proposals"), reverse("api:replies")]))
    pairs = data.draw(params(names))
    response = get_unchanged(client_of(), path, pairs, error_log)
    if response.status_code == 400:
        assert response["Content-Type"].startswith("application/json")


@fuzz_settings
@given(data=st.data())
def test_openapi_document(world, error_log, data):
    names = {"lang": ("en", "zh-hans"), "format": ("json", "openapi-json"), "version": ("1",)}
    get_unchanged(client_of(), reverse("api:openapi"), data.draw(params(names)), error_log)


@fuzz_settings
@given(data=st.data())
def test_path_parameters(world, error_log, data):
    """Ids as huge or negative numbers, or not numbers at all, in every URL that takes one."""
    segment = quote(data.draw(path_segment()), safe="")
    paths = [
        "/proposals/{}/",
        "/supervision/proposals/{}/",
        "/proposals/replies/{}/letter.docx",
        "/print/replies/{}/letter/",
        "/print/replies/{}/form/",
        "/print/replies/{}/letter.docx",
        "/print/replies/{}/form.docx",
        "/admin/proposals/replyletter/{}/change/",
        "/admin/proposals/replyletter/{}/withdraw/",
        "/admin/proposals/satisfactionform/{}/change/",
        "/admin/proposals/satisfactionform/{}/scan/",
        "/admin/proposals/satisfactionform/{}/void/",
        "/admin/proposals/proposal/{}/change/",
        "/admin/proposals/proposal/{}/delete/",
        "/admin/proposals/proposal/{}/history/",
        "/admin/offices/handlingunit/{}/change/",
    ]
    user = data.draw(st.sampled_from([None, world["supervisor"], world["staff"]]))
    path = data.draw(st.sampled_from(paths)).format(segment)
    get_unchanged(client_of(user), path, [], error_log)


# --- The member's form ---------------------------------------------------------------------


@fuzz_settings
@given(data=st.data())
def test_member_form_links(world, error_log, data):
    """Random tokens, and the real one with something added or changed."""
    token = links.link_token(world["invitation"])
    tampered = st.one_of(
        values().filter(lambda value: value and "/" not in value),
        values().map(lambda junk: token + junk),
        st.integers(min_value=0, max_value=len(token) - 1).map(
            lambda i: token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
        ),
    )
    path = f"/forms/{quote(data.draw(tampered), safe='')}/"
    get_unchanged(client_of(), path, [], error_log)


@fuzz_settings
@given(data=st.data())
def test_member_form_posts(world, error_log, data):
    """A post that is refused changes nothing; one that is accepted (the values may happen to
    be valid) saves the form and sends back to the page."""
    invitation = FormInvitation.objects.get(pk=world["invitation"].pk)
    path = reverse("proposals:member-form", args=[links.link_token(invitation)])
    fields = {
        "attitude_rating": ("satisfied", "basically_satisfied", "dissatisfied"),
        "result_rating": ("satisfied", "dissatisfied"),
        "comments": ("谢谢",),
        "signature_name": ("李辉松",),
    }
    post = dict(data.draw(params(fields)))
    post_checked(client_of(), path, post, error_log, may_save=True)


# --- The admin -----------------------------------------------------------------------------

CHANGELISTS = [
    "proposals/replyletter",
    "proposals/satisfactionform",
    "proposals/forminvitation",
    "proposals/proposal",
    "proposals/assignment",
    "proposals/proposer",
    "proposals/session",
    "proposals/category",
    "proposals/outcomescheme",
    "offices/handlingunit",
]
# Every list's own; its filters' parameters are read from its page (see filter_parameters).
CHANGELIST_NAMES = {
    "q": ("1", "010", "第010号", "D022", "陶瓷"),
    "o": ("1", "-2", "1.2", "-1.-2"),
    "p": ("1", "2"),
    "all": ("",),
    "e": ("1",),
    "_popup": ("1",),
    "_to_field": ("id", "password"),
    "title__icontains": ("x",),
}
FILTER_LINK = re.compile(r'href="\?([^"#]+)"')


@pytest.fixture
def filter_parameters(world) -> dict[str, dict[str, tuple[str, ...]]]:
    """Each list's filter parameters and their values, as its page links them."""
    client = client_of(world["supervisor"])
    parameters = {}
    for changelist in CHANGELISTS:
        page = client.get(f"/admin/{changelist}/").content.decode()
        found = {}
        for link in FILTER_LINK.findall(page):
            for name, value in parse_qsl(html.unescape(link), keep_blank_values=True):
                found.setdefault(name, set()).add(value)
        parameters[changelist] = {name: tuple(sorted(found[name])) for name in found}
    return parameters


@fuzz_settings
@given(data=st.data())
def test_admin_changelists(world, filter_parameters, error_log, data):
    user = data.draw(st.sampled_from([world["supervisor"], world["staff"]]))
    changelist = data.draw(st.sampled_from(CHANGELISTS))
    # Its filters, and now and then the list's other parameters (a forged one is a 400 that
    # would stop the request before the filters).
    pairs = data.draw(params(filter_parameters[changelist], unknown=False))
    pairs += data.draw(params(CHANGELIST_NAMES, max_size=2))
    get_unchanged(client_of(user), f"/admin/{changelist}/", pairs, error_log)


@fuzz_settings
@given(data=st.data())
def test_admin_add_form_prefill(world, error_log, data):
    """The add forms take their first values from the query string (an assignment, a draft
    read from a file)."""
    names = {
        "assignment": (str(world["assignment"].pk), str(world["other"].assignment_id)),
        "draft": ("abc",),
        "reply": (str(world["reply"].pk),),
        "rater": (str(world["proposal"].proposer_id),),
        "_changelist_filters": ("q=1", "unit__id__exact=1"),
        "_popup": ("1",),
        "_to_field": ("id",),
    }
    user = data.draw(st.sampled_from([world["supervisor"], world["staff"]]))
    model = data.draw(st.sampled_from(["replyletter", "satisfactionform", "assignment"]))
    path = f"/admin/proposals/{model}/add/"
    get_unchanged(client_of(user), path, data.draw(params(names)), error_log)


@fuzz_settings
@given(data=st.data())
def test_admin_login(world, error_log, data):
    """The login form (and its lockout after failures) with hostile names and passwords.
    Each attempt is recorded, by design: only the answer is checked."""
    names = {"username": ("fuzz-staff", "nobody"), "password": ("wrong",), "next": ("/admin/",)}
    fields = {"username": "nobody", "password": "wrong"} | dict(data.draw(params(names)))
    check(client_of().post("/admin/login/", fields), error_log, what=fields)


@fuzz_settings
@given(data=st.data())
def test_admin_autocomplete(world, error_log, data):
    names = {
        "term": ("1", "李", "陶瓷"),
        "app_label": ("proposals", "offices", "auth"),
        "model_name": ("assignment", "replyletter", "proposer", "user"),
        "field_name": ("assignment", "reply", "rater", "password"),
        "page": ("1", "2"),
    }
    user = data.draw(st.sampled_from([world["supervisor"], world["staff"]]))
    pairs = data.draw(params(names))
    get_unchanged(client_of(user), "/admin/autocomplete/", pairs, error_log)


def reply_fields(world) -> dict[str, tuple[str, ...]]:
    return {
        "assignment": (str(world["assignment"].pk), str(world["other"].assignment_id)),
        "round": ("1", "2"),
        "doc_number": ("甲字〔2025〕9号",),
        "outcome_class": ("1",),
        "title": ("关于提案答复的函",),
        "addressee": ("尊敬的委员",),
        "proposal_title": ("关于",),
        "body": ("正文",),
        "signing_unit": ("国家试验区管委会办公室",),
        "signed_on": ("2025-04-29", "2025-02-30"),
        "signer": ("张三",),
        "copied_to": ("市政协提案委员会，市政府督查室。",),
        "contact_name": ("洪迈",),
        "contact_phone": ("15107989915",),
        "disclosure": ("public", "on_request"),
        "is_published": ("on",),
    }


ADMIN_FORMS = {
    "proposals/replyletter/add": reply_fields,
    "proposals/proposal/add": lambda world: {
        "session": (str(world["proposal"].session_id),),
        "number": ("7", "0"),
        "number_prefix": ("D",),
        "title": ("关于",),
        "proposer": (str(world["proposal"].proposer_id),),
        "category": (str(world["category"].pk),),
        "status": ("registered",),
        "assignments-TOTAL_FORMS": ("0", "1", "1000000"),
        "assignments-INITIAL_FORMS": ("0",),
        "assignments-MAX_NUM_FORMS": ("1000",),
    },
    "proposals/session/add": lambda world: {
        "committee": ("市政协",),
        "term": ("14",),
        "meeting": ("6",),
        "year": ("2026",),
        "number_digits": ("3",),
    },
    "proposals/proposer/add": lambda world: {
        "name": ("王芳",),
        "kind": ("person",),
        "email": ("wang@example.org",),
    },
    "proposals/category/add": lambda world: {"name": ("社会事业",)},
    "proposals/outcomescheme/add": lambda world: {
        "name": ("新方案",),
        "classes-TOTAL_FORMS": ("0", "1"),
        "classes-INITIAL_FORMS": ("0",),
        "classes-0-code": ("A1",),
        "classes-0-group": ("A",),
    },
    "offices/handlingunit/add": lambda world: {"name": ("新单位",), "doc_prefix": ("新字",)},
}


@fuzz_settings
@given(data=st.data())
def test_admin_add_forms(world, error_log, data):
    """Hostile values in every admin form, as a supervisor and as a unit's staff: a refused
    post changes nothing."""
    user = data.draw(st.sampled_from([world["supervisor"], world["staff"]]))
    form = data.draw(st.sampled_from(sorted(ADMIN_FORMS)))
    names = ADMIN_FORMS[form](world)
    # Each field once: valid values, some of them replaced by hostile ones.
    post = {name: valid[0] for name, valid in names.items()}
    post |= dict(data.draw(params(names)))
    post_checked(client_of(user), f"/admin/{form}/", post, error_log, may_save=True)


@fuzz_settings
@given(data=st.data())
def test_admin_change_and_reason_forms(world, error_log, data):
    """The reply's change form, and the withdraw and void pages with a blank reason (refused:
    nothing changes)."""
    user = data.draw(st.sampled_from([world["supervisor"], world["staff"]]))
    reply = world["reply"]
    names = reply_fields(world)
    post = {name: valid[0] for name, valid in names.items()}
    post |= dict(data.draw(params(names)))
    post_checked(
        client_of(user),
        f"/admin/proposals/replyletter/{reply.pk}/change/",
        post,
        error_log,
        may_save=True,
    )
    reason = data.draw(st.sampled_from([blank for blank in BLANK if not blank.strip()]))
    form_pk = world["other"].forms.get().pk
    for path in (
        f"/admin/proposals/replyletter/{reply.pk}/withdraw/",
        f"/admin/proposals/satisfactionform/{form_pk}/void/",
    ):
        post_checked(client_of(world["supervisor"]), path, {"reason": reason}, error_log)


@fuzz_settings
@given(data=st.data())
def test_admin_letter_upload(world, error_log, data):
    """从文件登记答复函 with hostile file names and contents: nothing is saved until staff
    save the add form, whatever the file."""
    suffix = data.draw(st.sampled_from([".txt", ".md", ".docx", ".pdf", "", ".exe", ".TXT"]))
    name = data.draw(values()) + suffix
    content = data.draw(
        st.one_of(
            st.binary(max_size=2000),
            values().map(lambda text: text.encode("utf-8", "surrogatepass")),
            st.sampled_from([b"%PDF-1.4\n%%EOF", b"PK\x03\x04garbage", b"\xff\xfe\x00\x00"]),
        )
    )
    upload = SimpleUploadedFile(name or "letter.txt", content)
    user = data.draw(st.sampled_from([world["supervisor"], world["staff"]]))
    post_checked(
        client_of(user), "/admin/proposals/replyletter/from-file/", {"file": upload}, error_log
    )


@fuzz_settings
@given(data=st.data())
def test_paper_form_upload(world, error_log, data):
    """A paper form with a hostile scan (name, contents) and hostile fields: refused unless
    everything is valid."""
    other = world["other"]
    names = {
        "reply": (str(world["reply"].pk),),
        "rater": (str(world["proposal"].proposer_id),),
        "attitude_rating": ("satisfied",),
        "result_rating": ("satisfied",),
        "signature_name": ("李辉松",),
        "signed_on": ("2025-05-01",),
        "proposal_title_on_form": (other.proposal_title or "关于",),
    }
    post = {name: valid[0] for name, valid in names.items()}
    post |= dict(data.draw(params(names)))
    scan_name = data.draw(values()) + data.draw(st.sampled_from([".pdf", ".png", ".jpg", ""]))
    scan = data.draw(st.sampled_from([b"%PDF-1.4 form", b"\x89PNG\r\n\x1a\n", b"<script>", b""]))
    post["scan"] = SimpleUploadedFile(scan_name or "scan.pdf", scan)
    post_checked(
        client_of(world["staff"]),
        "/admin/proposals/satisfactionform/add/",
        post,
        error_log,
        may_save=True,
    )


# --- The language switch -------------------------------------------------------------------


@fuzz_settings
@given(data=st.data())
def test_language_switch(world, error_log, data):
    names = {"language": ("en", "zh-hans", "fr"), "next": ("/proposals/", "//evil.example/")}
    fields = dict(data.draw(params(names)))
    response = post_checked(client_of(), "/i18n/setlang/", fields, error_log)
    if response.status_code == 302:  # back where the visitor came from, on this site only
        location = urlsplit(response["Location"])
        assert location.netloc in {"", "testserver"}, response["Location"]
        assert location.scheme in {"", "http", "https"}, response["Location"]
    get_unchanged(client_of(), "/i18n/setlang/", data.draw(params(names)), error_log)
