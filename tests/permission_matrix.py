"""Who may see what: the permission matrix, as data.

One source for two readers: the README's "Permissions" table is rendered from it
(`python -m tests.permission_matrix` rewrites it; a test fails when it is out of date), and
tests/test_permission_matrix.py walks every cell of it against the running views.

A row is an address (a page, an admin screen, an export, an API endpoint), the data it is
about and, for each role, a scope: which of that data the role gets. The data comes in kinds
(own unit / other unit × published / unpublished / withdrawn reply, a proposal not yet
replied, a form, a link...), each with markers the test looks for in the answer.
"""

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.urls import reverse

ROLES = {
    "anonymous": "anonymous",
    "member": "member with a form link",
    "staff": "unit staff",
    "supervisor": "supervisor",
    "superuser": "superuser",
}

# The kinds of data. "own" is the unit of the staff user; "other" is another unit.
REPLY_KINDS = (
    "own-published",
    "own-unpublished",
    "own-withdrawn",
    "other-published",
    "other-unpublished",
    "other-withdrawn",
)
PROPOSAL_KINDS = (*REPLY_KINDS, "own-unreplied", "other-unreplied")
SUBJECTS = {
    # subject: (its kinds, how the README names it)
    "reply": (REPLY_KINDS, "replies"),
    "proposal": (PROPOSAL_KINDS, "proposals, their replies"),
    "form": (("own-form", "other-form"), "satisfaction forms"),
    "invitation": (("own-invitation", "other-invitation"), "form links sent"),
    "proposer": (("own-proposer", "other-proposer"), "proposers"),
    "unit": (("own-unit", "other-unit"), "units"),
    "link": (("own-link", "withdrawn-link", "tampered-link"), "the member's link"),
    "page": (("page",), "—"),
}


@dataclass(frozen=True)
class Scope:
    """Which kinds of data a role gets; `denied`: the address itself is refused."""

    label: str
    includes: Callable[[str], bool]
    denied: bool = False


ALL = Scope("✓", lambda kind: True)
NONE = Scope("✗", lambda kind: False, denied=True)
OWN = Scope("own unit", lambda kind: kind.startswith("own"))
# Proposals are public; of their replies, the published ones.
PUBLISHED = Scope("published", lambda kind: kind.endswith(("-published", "-unreplied")))
NOT_WITHDRAWN = Scope("✓ not withdrawn", lambda kind: not kind.endswith("-withdrawn"))
OWN_LINK = Scope("own link", lambda kind: kind == "own-link")
# The link is the credential: without one there is nothing to open (see the member column).
NOT_APPLICABLE = Scope("—", lambda kind: False)


@dataclass(frozen=True)
class Resource:
    key: str  # readable, for test ids
    address: str  # as the README shows it
    subject: str
    url: Callable  # (world, kind) -> URL
    access: dict[str, Scope]
    # The marker that shows a kind of data is in the answer (see World.markers).
    marker: str = "doc"
    # Markers that must be absent where the data is refused (besides `marker`).
    secrets: tuple[str, ...] = ("doc", "body", "contact", "phone")
    # Markers no role may ever find in this answer, whatever the data.
    conceals: tuple[str, ...] = ()
    area: str = "pages"

    def kinds(self) -> tuple[str, ...]:
        return SUBJECTS[self.subject][0]


def same(scope: Scope, *, member: Scope | None = None, anonymous: Scope | None = None) -> dict:
    """Every role gets `scope` (the anonymous visitor and the member may differ)."""
    return {
        "anonymous": anonymous or scope,
        "member": member or anonymous or scope,
        "staff": scope,
        "supervisor": scope,
        "superuser": scope,
    }


def roles(anonymous, staff, supervisor, superuser=None, member=None) -> dict:
    return {
        "anonymous": anonymous,
        "member": member or anonymous,
        "staff": staff,
        "supervisor": supervisor,
        "superuser": superuser or supervisor,
    }


PUBLIC = same(PUBLISHED)
SUPERVISORS = roles(NONE, NONE, ALL)
PRINT = roles(NONE, OWN, ALL)
STAFF_PAGE = roles(NONE, ALL, ALL)
ADMIN_ROWS = roles(NONE, OWN, ALL)
SUPERVISOR_ADMIN = roles(NONE, NONE, ALL)
# Contact data a public answer never carries: the unit's contact, the proposer's.
CONTACTS = ("contact", "phone", "proposer_phone", "proposer_address", "email")


def url(name: str, *args, query: str = "") -> Callable:
    """A URL builder: args are callables of (world, kind)."""

    def build(world, kind):
        path = reverse(name, args=[arg(world, kind) for arg in args])
        return f"{path}?{query}" if query else path

    return build


def proposal(world, kind):
    return world.proposal(kind).pk


def assignment(world, kind):
    return world.assignment(kind).pk


def obj(world, kind):
    """The row a kind names: a reply, a form, a form link, a proposer, a unit."""
    return world.objects[kind].pk


reply = obj


def token(world, kind):
    return world.tokens[kind]


def admin(model: str, view: str, subject: str, access: dict, *, pk=None, **extra) -> Resource:
    args = (pk,) if pk else ()
    suffix = {"changelist": "", "add": "add/", "from_file": "from-file/"}.get(view)
    if suffix is None:
        suffix = f"<id>/{view}/"
    app = "offices" if model == "handlingunit" else "proposals"
    return Resource(
        key=f"admin-{model}-{view}",
        address=f"`/admin/{app}/{model}/{suffix}`",
        subject=subject,
        url=url(f"admin:{app}_{model}_{view}", *args),
        access=access,
        area="admin",
        **extra,
    )


def autocomplete(model: str, field_name: str, subject: str, access: dict, **extra) -> Resource:
    return Resource(
        key=f"admin-autocomplete-{model}-{field_name}",
        address=f"`/admin/autocomplete/` ({model}.{field_name})",
        subject=subject,
        url=url(
            "admin:autocomplete",
            query=f"app_label=proposals&model_name={model}&field_name={field_name}",
        ),
        access=access,
        area="admin",
        **extra,
    )


def prefilled_reply_url(world, kind):
    return f"{reverse('admin:proposals_replyletter_add')}?assignment={assignment(world, kind)}"


FORM_SECRETS = ("comment", "scan")
PROPOSER_SECRETS = ("proposer", "proposer_phone", "proposer_address", "email")
TITLE_SECRETS = ("title", "doc", "body", "contact", "phone")

RESOURCES = [
    # The public pages, exports and API.
    Resource(
        "listing",
        "`/proposals/`",
        "proposal",
        url("proposals:list"),
        PUBLIC,
        marker="date",
        conceals=CONTACTS,
    ),
    Resource(
        "listing-csv",
        "`/proposals/?format=csv`",
        "proposal",
        url("proposals:list", query="format=csv"),
        PUBLIC,
        conceals=CONTACTS,
    ),
    Resource(
        "listing-xlsx",
        "`/proposals/?format=xlsx`",
        "proposal",
        url("proposals:list", query="format=xlsx"),
        PUBLIC,
        conceals=CONTACTS,
    ),
    Resource(
        "detail",
        "`/proposals/<id>/`",
        "proposal",
        url("proposals:detail", proposal),
        PUBLIC,
        conceals=CONTACTS,
    ),
    Resource(
        "public-letter-docx",
        "`/proposals/replies/<id>/letter.docx`",
        "reply",
        url("proposals:public-letter-docx", reply),
        PUBLIC,
        conceals=CONTACTS,
    ),
    Resource(
        "api-proposals",
        "`/api/proposals/`",
        "proposal",
        url("api:proposals"),
        PUBLIC,
        conceals=CONTACTS,
        area="api",
    ),
    Resource(
        "api-replies",
        "`/api/replies/`",
        "reply",
        url("api:replies"),
        PUBLIC,
        conceals=CONTACTS,
        area="api",
    ),
    Resource(
        "api-openapi",
        "`/api/openapi.json`",
        "page",
        url("api:openapi"),
        same(ALL),
        marker="",
        area="api",
    ),
    # The member's form, by personal link.
    Resource(
        "member-form",
        "`/forms/<token>/`",
        "link",
        url("proposals:member-form", token),
        roles(NOT_APPLICABLE, NONE, NONE, member=OWN_LINK),
        marker="doc",
        secrets=("doc", "body", "comment", "proposer_phone", "proposer_address"),
    ),
    # The supervisors' pages.
    Resource(
        "statistics", "`/supervision/`", "page", url("proposals:statistics"), SUPERVISORS, marker=""
    ),
    Resource(
        "supervision-listing",
        "`/supervision/proposals/`",
        "proposal",
        url("proposals:supervision-list"),
        SUPERVISORS,
        marker="date",
    ),
    Resource(
        "supervision-csv",
        "`/supervision/proposals/?format=csv`",
        "proposal",
        url("proposals:supervision-list", query="format=csv"),
        SUPERVISORS,
    ),
    Resource(
        "supervision-xlsx",
        "`/supervision/proposals/?format=xlsx`",
        "proposal",
        url("proposals:supervision-list", query="format=xlsx"),
        SUPERVISORS,
    ),
    Resource(
        "supervision-detail",
        "`/supervision/proposals/<id>/`",
        "proposal",
        url("proposals:supervision-detail", proposal),
        SUPERVISORS,
    ),
    # Printable letters and forms.
    Resource(
        "print-letter",
        "`/print/replies/<id>/letter/`",
        "reply",
        url("proposals:print-letter", reply),
        PRINT,
    ),
    Resource(
        "print-form",
        "`/print/replies/<id>/form/`",
        "reply",
        url("proposals:print-form", reply),
        PRINT,
        marker="title",
        secrets=("title", "proposer_phone", "proposer_address"),
    ),
    Resource(
        "print-letter-docx",
        "`/print/replies/<id>/letter.docx`",
        "reply",
        url("proposals:print-letter-docx", reply),
        PRINT,
    ),
    Resource(
        "print-form-docx",
        "`/print/replies/<id>/form.docx`",
        "reply",
        url("proposals:print-form-docx", reply),
        PRINT,
        marker="title",
        secrets=("title", "proposer_phone", "proposer_address"),
    ),
    Resource(
        "print-blank-form",
        "`/print/form/`",
        "page",
        url("proposals:print-blank-form"),
        STAFF_PAGE,
        marker="",
    ),
    Resource(
        "print-blank-form-docx",
        "`/print/form.docx`",
        "page",
        url("proposals:print-blank-form-docx"),
        STAFF_PAGE,
        marker="",
    ),
    # The admin.
    Resource(
        "admin-index", "`/admin/`", "page", url("admin:index"), STAFF_PAGE, marker="", area="admin"
    ),
    admin("replyletter", "changelist", "reply", ADMIN_ROWS),
    admin("replyletter", "change", "reply", ADMIN_ROWS, pk=obj),
    admin("replyletter", "history", "reply", ADMIN_ROWS, pk=obj),
    admin("replyletter", "delete", "reply", roles(NONE, NONE, NONE, superuser=ALL), pk=obj),
    admin("replyletter", "withdraw", "reply", roles(NONE, NONE, NOT_WITHDRAWN), pk=obj),
    admin("replyletter", "add", "page", STAFF_PAGE, marker=""),
    Resource(
        "admin-replyletter-add-prefilled",
        "`/admin/proposals/replyletter/add/?assignment=<id>`",
        "proposal",
        prefilled_reply_url,
        ADMIN_ROWS,
        marker="title",
        secrets=TITLE_SECRETS,
        area="admin",
    ),
    admin("replyletter", "from_file", "page", STAFF_PAGE, marker=""),
    admin(
        "assignment", "changelist", "proposal", ADMIN_ROWS, marker="title", secrets=TITLE_SECRETS
    ),
    admin(
        "assignment",
        "change",
        "proposal",
        ADMIN_ROWS,
        pk=assignment,
        marker="title",
        secrets=TITLE_SECRETS,
    ),
    admin(
        "assignment",
        "history",
        "proposal",
        ADMIN_ROWS,
        pk=assignment,
        marker="title",
        secrets=TITLE_SECRETS,
    ),
    admin("assignment", "add", "page", SUPERVISOR_ADMIN, marker=""),
    admin("proposal", "changelist", "proposal", ADMIN_ROWS, marker="title", secrets=TITLE_SECRETS),
    admin(
        "proposal",
        "change",
        "proposal",
        ADMIN_ROWS,
        pk=proposal,
        marker="title",
        secrets=TITLE_SECRETS,
    ),
    admin(
        "proposal",
        "history",
        "proposal",
        ADMIN_ROWS,
        pk=proposal,
        marker="title",
        secrets=TITLE_SECRETS,
    ),
    admin("proposal", "add", "page", SUPERVISOR_ADMIN, marker=""),
    admin("satisfactionform", "changelist", "form", ADMIN_ROWS, marker="doc", secrets=FORM_SECRETS),
    admin(
        "satisfactionform",
        "change",
        "form",
        ADMIN_ROWS,
        pk=obj,
        marker="comment",
        secrets=FORM_SECRETS,
    ),
    admin(
        "satisfactionform",
        "history",
        "form",
        ADMIN_ROWS,
        pk=obj,
        marker="doc",
        secrets=FORM_SECRETS,
    ),
    admin(
        "satisfactionform", "scan", "form", ADMIN_ROWS, pk=obj, marker="scan", secrets=FORM_SECRETS
    ),
    admin(
        "satisfactionform",
        "void",
        "form",
        SUPERVISOR_ADMIN,
        pk=obj,
        marker="doc",
        secrets=FORM_SECRETS,
    ),
    admin("satisfactionform", "add", "page", STAFF_PAGE, marker=""),
    admin(
        "forminvitation", "changelist", "invitation", ADMIN_ROWS, marker="email", secrets=("email",)
    ),
    admin(
        "forminvitation",
        "change",
        "invitation",
        ADMIN_ROWS,
        pk=obj,
        marker="email",
        secrets=("email",),
    ),
    admin(
        "proposer",
        "changelist",
        "proposer",
        ADMIN_ROWS,
        marker="proposer",
        secrets=PROPOSER_SECRETS,
    ),
    admin(
        "proposer",
        "change",
        "proposer",
        ADMIN_ROWS,
        pk=obj,
        marker="proposer",
        secrets=PROPOSER_SECRETS,
    ),
    admin("proposer", "add", "page", SUPERVISOR_ADMIN, marker=""),
    admin("handlingunit", "changelist", "unit", ADMIN_ROWS, marker="unit", secrets=("unit",)),
    admin("handlingunit", "change", "unit", ADMIN_ROWS, pk=obj, marker="unit", secrets=("unit",)),
    admin("handlingunit", "add", "page", SUPERVISOR_ADMIN, marker=""),
    admin("session", "changelist", "page", STAFF_PAGE, marker=""),
    admin("session", "add", "page", SUPERVISOR_ADMIN, marker=""),
    admin("outcomescheme", "changelist", "page", STAFF_PAGE, marker=""),
    autocomplete(
        "replyletter", "assignment", "proposal", ADMIN_ROWS, marker="title", secrets=TITLE_SECRETS
    ),
    autocomplete("satisfactionform", "reply", "reply", ADMIN_ROWS),
    autocomplete(
        "satisfactionform",
        "rater",
        "proposer",
        ADMIN_ROWS,
        marker="proposer",
        secrets=PROPOSER_SECRETS,
    ),
    autocomplete(
        "assignment", "proposal", "proposal", ADMIN_ROWS, marker="title", secrets=TITLE_SECRETS
    ),
    Resource(
        "admin-users",
        "`/admin/auth/user/`",
        "page",
        url("admin:auth_user_changelist"),
        roles(NONE, NONE, NONE, superuser=ALL),
        marker="",
        area="admin",
    ),
]


def cells():
    """Every (role, resource, kind) with its scope, for the test's parameters."""
    for resource in RESOURCES:
        for role in ROLES:
            scope = resource.access[role]
            if scope is NOT_APPLICABLE:
                continue
            for kind in resource.kinds():
                yield role, resource, kind, scope


# The README's table ----------------------------------------------------------------------

README = Path(__file__).resolve().parent.parent / "README.md"
START = "<!-- permission matrix: generated by `python -m tests.permission_matrix` -->"
END = "<!-- end of the permission matrix -->"
LEGEND = """\
**✓** allowed: 200 with the data. **own unit**: 200 with the rows of the user's own units
only; another unit's row is absent from lists, exports and autocomplete, and its address
answers as if it did not exist. **published**: published replies only; unpublished and
withdrawn ones are absent. **✗** refused: a redirect to the login (or to the admin's index),
403 or 404, with none of the data in the answer. **—**: not applicable. The member's link is
their credential: whoever holds it is the member; another role's session that opens it is
refused, and a tampered link or a withdrawn reply's link opens nothing. Public answers
(listing, proposal pages, exports, API, public Word letter) never carry the unit's contact
name and phone nor the proposer's address, phone or e-mail."""


def render_table() -> str:
    header = ["address", "data", *ROLES.values()]
    lines = [f"| {' | '.join(header)} |", f"|{'---|' * len(header)}"]
    for resource in RESOURCES:
        scopes = [resource.access[role].label for role in ROLES]
        data = SUBJECTS[resource.subject][1]
        lines.append(f"| {resource.address} | {data} | {' | '.join(scopes)} |")
    return "\n".join([START, "", LEGEND, "", *lines, "", END])


def readme_with_table(readme: str) -> str:
    """The README with its table replaced by the rendered one."""
    before, start, rest = readme.partition(START)
    _, end, after = rest.partition(END)
    if not (start and end):
        raise ValueError(f"README.md lacks the markers {START!r} … {END!r}")
    return before + render_table() + after


if __name__ == "__main__":
    README.write_text(readme_with_table(README.read_text(encoding="utf-8")), encoding="utf-8")
    sys.stdout.write("README.md: permission matrix rewritten.\n")
