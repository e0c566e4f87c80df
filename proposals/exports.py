"""CSV and Excel exports of a filtered listing: one row per (proposal, visible reply).

Both stream with flat memory whatever the number of rows: the proposals are read in chunks
(a fixed number of queries per chunk), CSV is sent as it is written, and the write-only
workbook keeps its rows in a temporary file on disk. Contact names and phones and the
proposers' addresses, phones and e-mails are never exported (nor even read from the database).
"""

import codecs
import csv
import io
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import batched

from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .models import (
    Assignment,
    AssignmentRole,
    Proposal,
    ProposalStatus,
    Proposer,
    Rating,
    ReplyLetter,
    Session,
)
from .selectors import LEAD_FIRST

FORMATS = ("csv", "xlsx")
CHUNK_SIZE = 2000  # proposals per database round (three queries each)
CSV_ROWS_PER_WRITE = 500
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

PROPOSAL_HEADER = [
    _("会议"),
    _("提案编号"),
    _("案由"),
    _("提案者"),
    _("类别"),
    _("重点提案"),
    _("状态"),
]
ASSIGNMENT_HEADER = [_("承办单位"), _("办理方式"), _("答复期限")]
REPLY_HEADER = [
    _("文号"),
    _("答复轮次"),
    _("办理结果分类"),
    _("类别字母"),
    _("成文日期"),
    _("办理态度评价"),
    _("办理结果评价"),
]
PUBLICATION_HEADER = [_("公开")]

# What the columns show, and no more: the letters' texts and the contact fields are not read.
PROPOSAL_COLUMNS = [
    "id",
    "session_id",
    "session__committee",
    "session__term",
    "session__meeting",
    "session__number_digits",
    "number",
    "number_prefix",
    "title",
    "is_key",
    "status",
    "proposer_id",
    "proposer__kind",
    "proposer__name",
    "category__name",
]
ASSIGNMENT_COLUMNS = ["id", "proposal_id", "unit__name", "role", "due_on"]
REPLY_COLUMNS = [
    "assignment_id",
    "doc_number",
    "round",
    "outcome_class__code",
    "outcome_class__group",
    "signed_on",
    "attitude",
    "result",
    "is_published",
]

# Spreadsheet programs run a CSV cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Labels:
    """The translated texts the rows show, taken once while the request's language is active
    (the rows themselves are produced later, as the response is sent)."""

    yes: str
    no: str
    statuses: dict
    roles: dict
    ratings: dict

    @classmethod
    def current(cls) -> "Labels":
        return cls(
            yes=gettext("是"),
            no=gettext("否"),
            statuses={value: str(label) for value, label in ProposalStatus.choices},
            roles={value: str(label) for value, label in AssignmentRole.choices},
            ratings={
                **{value: str(label) for value, label in Rating.choices},
                None: gettext("未回表"),
            },
        )


def listing_export(filterset, export_format: str) -> HttpResponse:
    """The rows of a valid, bound listing filterset as a CSV or an .xlsx download."""
    with_publication = not filterset.published_only
    header = [*PROPOSAL_HEADER, *ASSIGNMENT_HEADER, *REPLY_HEADER]
    if with_publication:
        header += PUBLICATION_HEADER
    header = [str(title) for title in header]
    rows = export_rows(
        filterset.qs,
        filterset.visible_replies,
        labels=Labels.current(),
        with_publication=with_publication,
    )
    filename = f"proposals-{timezone.localdate():%Y%m%d}.{export_format}"
    if export_format == "csv":
        return StreamingHttpResponse(
            csv_chunks(header, rows),
            content_type=CONTENT_TYPES["csv"],
            headers={"Content-Disposition": content_disposition_header(True, filename)},
        )
    return FileResponse(
        xlsx_file(header, rows),
        as_attachment=True,
        filename=filename,
        content_type=CONTENT_TYPES["xlsx"],
    )


def export_rows(
    proposals: QuerySet[Proposal],
    replies: QuerySet[ReplyLetter],
    *,
    labels: Labels,
    with_publication: bool,
) -> Iterator[list]:
    """A row per visible reply; an assignment without one, or a proposal without any
    assignment, gets one row whose reply (and unit) cells are empty.

    The listing's own read (`selectors.listing_rows`) builds seven model instances per row,
    which held an export of 20 000 rows to about 8 000 rows/s; plain tuples, read in three
    queries per chunk of proposals and in the listing's order, reach about 30 000."""
    no_reply = [None] * (len(REPLY_HEADER) + with_publication)
    no_assignment = [None] * len(ASSIGNMENT_HEADER) + no_reply
    # Names are the models' own __str__, worked out once per session and per proposer.
    session_names = {}
    proposer_names = {}
    rows = proposals.values_list(*PROPOSAL_COLUMNS, named=True)
    for chunk in batched(rows.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        assignments = assignments_of(row.id for row in chunk)
        replies_by_assignment = replies_of(
            replies, [assignment.id for group in assignments.values() for assignment in group]
        )
        for proposal in chunk:
            session = session_names.get(proposal.session_id)
            if session is None:
                session = session_names[proposal.session_id] = str(
                    Session(
                        committee=proposal.session__committee,
                        term=proposal.session__term,
                        meeting=proposal.session__meeting,
                    )
                )
            proposer = proposer_names.get(proposal.proposer_id)
            if proposer is None:
                proposer = proposer_names[proposal.proposer_id] = str(
                    Proposer(kind=proposal.proposer__kind, name=proposal.proposer__name)
                )
            digits = proposal.session__number_digits
            proposal_cells = [
                session,
                # As Proposal.printed_number: 10 → 010 where the session prints three digits.
                f"{proposal.number_prefix}{proposal.number:0{digits}d}",
                proposal.title,
                proposer,
                proposal.category__name,
                labels.yes if proposal.is_key else labels.no,
                labels.statuses.get(proposal.status, proposal.status),
            ]
            if proposal.id not in assignments:
                yield proposal_cells + no_assignment
            for assignment in assignments.get(proposal.id, ()):
                assignment_cells = [
                    assignment.unit__name,
                    labels.roles.get(assignment.role, assignment.role),
                    assignment.due_on,
                ]
                if assignment.id not in replies_by_assignment:
                    yield proposal_cells + assignment_cells + no_reply
                for reply in replies_by_assignment.get(assignment.id, ()):
                    reply_cells = [
                        reply.doc_number,
                        reply.round,
                        reply.outcome_class__code,
                        reply.outcome_class__group,
                        reply.signed_on,
                        labels.ratings.get(reply.attitude, reply.attitude),
                        labels.ratings.get(reply.result, reply.result),
                    ]
                    if with_publication:
                        reply_cells.append(labels.yes if reply.is_published else labels.no)
                    yield proposal_cells + assignment_cells + reply_cells


def assignments_of(proposal_ids: Iterable[int]) -> dict[int, list]:
    """Each proposal's units, in the listing's order (selectors.listing_rows)."""
    assignments = (
        Assignment.objects.filter(proposal_id__in=list(proposal_ids))
        .order_by(LEAD_FIRST, "unit__name")
        .values_list(*ASSIGNMENT_COLUMNS, named=True)
    )
    by_proposal = defaultdict(list)
    for assignment in assignments:
        by_proposal[assignment.proposal_id].append(assignment)
    return by_proposal


def replies_of(replies: QuerySet[ReplyLetter], assignment_ids: list[int]) -> dict[int, list]:
    """Each assignment's visible replies with their ratings, in the listing's order."""
    rows = (
        replies.filter(assignment_id__in=assignment_ids)
        .with_ratings()
        .order_by("round", "id")
        .values_list(*REPLY_COLUMNS, named=True)
    )
    by_assignment = defaultdict(list)
    for reply in rows:
        by_assignment[reply.assignment_id].append(reply)
    return by_assignment


def csv_chunks(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """UTF-8 with a byte order mark, which Excel and WPS need to read Chinese; dates ISO."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield codecs.BOM_UTF8
    writer.writerow(header)
    # A few hundred rows per write: one write per row costs more than the rows themselves.
    for batch in batched(rows, CSV_ROWS_PER_WRITE):
        writer.writerows([csv_safe(value) for value in row] for row in batch)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def csv_safe(value):
    """The value, with text that a spreadsheet would run as a formula quoted as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_file(header: list[str], rows: Iterable[list]):
    """A temporary file holding the workbook, at its start; closed with the response."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext("提案"))
    sheet.freeze_panes = "A2"
    sheet.append(header)
    for row in rows:
        sheet.append([xlsx_safe(sheet, value) for value in row])
    file = tempfile.TemporaryFile()
    workbook.save(file)
    file.seek(0)
    return file


def xlsx_safe(sheet, value):
    """Text stays text: openpyxl would store "=…" as a formula, and it refuses control
    characters (which text pasted from Word sometimes carries)."""
    if isinstance(value, str) and (value.startswith("=") or ILLEGAL_CHARACTERS_RE.search(value)):
        cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"
        return cell
    return value
