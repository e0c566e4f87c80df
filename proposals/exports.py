"""CSV and Excel exports of a filtered listing: one row per (proposal, visible reply).

Both stream with flat memory whatever the number of rows: the rows come from one query read
through a server-side cursor, and the file is sent as it is written. Contact names and phones
and the proposers' addresses, phones and e-mails are never exported (nor even read).
"""

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import batched, chain, groupby
from operator import attrgetter
from string import ascii_uppercase

from django.db.models import Case, F, FilteredRelation, Q, QuerySet, When
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import AssignmentRole, Proposal, ProposalStatus, Proposer, Rating, Session

FORMATS = ("csv", "xlsx")
CHUNK_SIZE = 2000  # rows per fetch from the database
ROWS_PER_WRITE = 500
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
# "reply" is the proposal's visible replies and "lead_form" the first proposer's valid form on
# one (see export_rows).
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
ASSIGNMENT_COLUMNS = [
    "assignments__id",
    "assignments__unit__name",
    "assignments__role",
    "assignments__due_on",
]
REPLY_COLUMNS = [
    "reply__id",
    "reply__doc_number",
    "reply__round",
    "reply__outcome_class__code",
    "reply__outcome_class__group",
    "reply__signed_on",
    "lead_form__attitude_rating",
    "lead_form__result_rating",
    "reply__is_published",
]
# selectors.LEAD_FIRST, from the proposal: the lead unit (主办) before the others.
LEAD_FIRST = Case(
    When(assignments__role=AssignmentRole.LEAD, then=0),
    When(assignments__role=AssignmentRole.CO_HANDLING, then=1),
    default=2,
)

# Spreadsheet programs run a CSV cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Control characters a workbook cannot hold.
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010\013\014\016-\037]")
EXCEL_DAY_ZERO = date(1899, 12, 30)
# The sheet, around its rows: the header row stays in view (frozen) as the rows scroll.
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
    'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>'
)
SHEET_END = "</sheetData></worksheet>"


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
    published_only = filterset.published_only
    header = [*PROPOSAL_HEADER, *ASSIGNMENT_HEADER, *REPLY_HEADER]
    if not published_only:
        header += PUBLICATION_HEADER
    header = [str(title) for title in header]
    rows = export_rows(filterset.qs, published_only=published_only, labels=Labels.current())
    filename = f"proposals-{timezone.localdate():%Y%m%d}.{export_format}"
    if export_format == "csv":
        chunks = csv_chunks(header, rows)
    else:
        chunks = xlsx_chunks(header, rows, sheet_name=gettext("提案"))
    return StreamingHttpResponse(
        chunks,
        content_type=CONTENT_TYPES[export_format],
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )


def export_rows(
    proposals: QuerySet[Proposal], *, published_only: bool, labels: Labels
) -> Iterator[list]:
    """A row per visible reply; an assignment without one, or a proposal without any
    assignment, gets one row whose reply (and unit) cells are empty. Unpublished replies,
    and the publication column, only where `published_only` is false.

    One query, in the listing's order, read through a server-side cursor: the proposals
    joined to their assignments, their visible replies and the rating that counts (the first
    proposer's valid form, as ReplyLetter.objects.with_ratings; at most one, by the
    constraint form_one_valid_per_rater). Reading the rows in chunks of proposals instead
    (three queries each, with thousands of ids) held PostgreSQL to 6 000 rows/s."""
    with_publication = not published_only
    # Names as the models' own __str__, worked out once per session and per proposer.
    sessions, proposers = {}, {}
    rows = joined_rows(proposals, published_only=published_only)
    for _proposal_id, rows_of_proposal in groupby(rows, key=attrgetter("id")):
        rows_of_proposal = list(rows_of_proposal)
        first = rows_of_proposal[0]
        if first.session_id not in sessions:
            sessions[first.session_id] = str(
                Session(
                    committee=first.session__committee,
                    term=first.session__term,
                    meeting=first.session__meeting,
                )
            )
        if first.proposer_id not in proposers:
            proposers[first.proposer_id] = str(
                Proposer(kind=first.proposer__kind, name=first.proposer__name)
            )
        proposal_cells = [
            sessions[first.session_id],
            # As Proposal.printed_number: 10 → 010 where the session prints three digits.
            f"{first.number_prefix}{first.number:0{first.session__number_digits}d}",
            first.title,
            proposers[first.proposer_id],
            first.category__name,
            labels.yes if first.is_key else labels.no,
            labels.statuses.get(first.status, first.status),
        ]
        for row in rows_of_proposal:
            yield proposal_cells + handling_cells(row, labels, with_publication)


def handling_cells(row, labels: Labels, with_publication: bool) -> list:
    """A row's unit and reply cells, empty where it has none."""
    reply_width = len(REPLY_HEADER) + with_publication
    if row.assignments__id is None:
        return [None] * (len(ASSIGNMENT_HEADER) + reply_width)
    cells = [
        row.assignments__unit__name,
        labels.roles.get(row.assignments__role, row.assignments__role),
        row.assignments__due_on,
    ]
    if row.reply__id is None:
        return cells + [None] * reply_width
    attitude, result = row.lead_form__attitude_rating, row.lead_form__result_rating
    cells += [
        row.reply__doc_number,
        row.reply__round,
        row.reply__outcome_class__code,
        row.reply__outcome_class__group,
        row.reply__signed_on,
        labels.ratings.get(attitude, attitude),
        labels.ratings.get(result, result),
    ]
    if with_publication:
        cells.append(labels.yes if row.reply__is_published else labels.no)
    return cells


def joined_rows(proposals: QuerySet[Proposal], *, published_only: bool) -> Iterator:
    """(proposal × assignment × visible reply) rows, LEFT-joined, in the listing's order and
    within a proposal as the listing shows it: lead unit first, then by unit, round, reply."""
    # selectors.visible_replies, as a join condition: FilteredRelation takes no querysets.
    visible = Q(assignments__replies__is_published=True) if published_only else Q()
    rows = proposals.annotate(
        reply=FilteredRelation("assignments__replies", condition=visible),
        lead_form=FilteredRelation(
            "reply__forms",
            condition=Q(reply__forms__voided_at__isnull=True, reply__forms__rater=F("proposer")),
        ),
    )
    listing_order = proposals.query.order_by or Proposal._meta.ordering
    rows = rows.order_by(
        *listing_order, "pk", LEAD_FIRST, "assignments__unit__name", "reply__round", "reply__id"
    )
    columns = [*PROPOSAL_COLUMNS, *ASSIGNMENT_COLUMNS, *REPLY_COLUMNS]
    return rows.values_list(*columns, named=True).iterator(chunk_size=CHUNK_SIZE)


def csv_chunks(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """UTF-8 with a byte order mark, which Excel and WPS need to read Chinese; dates ISO."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield codecs.BOM_UTF8
    writer.writerow(header)
    # A few hundred rows per write: one write per row costs more than the rows themselves.
    for batch in batched(rows, ROWS_PER_WRITE):
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


def xlsx_chunks(header: list[str], rows: Iterable[list], *, sheet_name: str) -> Iterator[bytes]:
    """A workbook of one sheet, sent as it is written: a zip package of the few parts an
    .xlsx needs, its sheet streamed a batch of rows at a time.

    Written here rather than by a library because libraries build each cell as an object:
    openpyxl's write-only mode made 5 000 rows/s and XlsxWriter's constant-memory mode
    11 000, where this makes about 40 000. Text is only ever written as text (an inline
    string: never read as a formula, a number or a link) and dates as dates."""
    sink = PackageSink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        for name, xml in xlsx_parts(sheet_name).items():
            package.writestr(name, xml)
        with package.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(SHEET_START.encode())
            columns = column_names(len(header))
            numbered = enumerate(chain([header], rows), start=1)
            for batch in batched(numbered, ROWS_PER_WRITE):
                xml = "".join(xlsx_row(columns, number, cells) for number, cells in batch)
                sheet.write(xml.encode())
                yield sink.take()
            sheet.write(SHEET_END.encode())
    yield sink.take()


class PackageSink(io.RawIOBase):
    """Where zipfile writes the package (it needs no seeking): taken out as it grows."""

    def __init__(self):
        super().__init__()
        self.parts = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def xlsx_row(columns: list[str], number: int, values: list) -> str:
    cells = []
    for column, value in zip(columns, values, strict=True):
        if value is None:
            continue
        if isinstance(value, date):
            cells.append(f'<c r="{column}{number}" s="1"><v>{excel_day(value)}</v></c>')
        elif isinstance(value, int | float):
            cells.append(f'<c r="{column}{number}"><v>{value}</v></c>')
        else:
            cells.append(
                f'<c r="{column}{number}" t="inlineStr"><is>'
                f'<t xml:space="preserve">{xml_text(str(value))}</t></is></c>'
            )
    return f'<row r="{number}">{"".join(cells)}</row>'


def xml_text(value: str) -> str:
    """Escaped for XML, without the control characters a workbook cannot hold (text pasted
    from Word sometimes carries them). The quick tests first: most text needs neither."""
    if not value.isprintable():
        value = ILLEGAL_CHARACTERS.sub("", value)
    if "&" in value or "<" in value or ">" in value:
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def excel_day(value: date) -> int:
    """A date as the spreadsheet counts days (1 is 1900-01-01, by way of Lotus's leap day)."""
    return (value - EXCEL_DAY_ZERO).days


def column_names(count: int) -> list[str]:
    """A, B, … Z, AA, AB, …: the names of the first `count` columns."""
    names = []
    for number in range(1, count + 1):
        name = ""
        while number:
            number, letter = divmod(number - 1, 26)
            name = ascii_uppercase[letter] + name
        names.append(name)
    return names


def xlsx_parts(sheet_name: str) -> dict[str, str]:
    """Every part of the package but the sheet: what it holds, the workbook of one sheet,
    and the one style besides the default, for dates."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    package_relations = "http://schemas.openxmlformats.org/package/2006/relationships"
    relations = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    return {
        "[Content_Types].xml": (
            f'{head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{office}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{office}.styles+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'{head}<Relationships xmlns="{package_relations}">'
            f'<Relationship Id="rId1" Type="{relations}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{head}<workbook xmlns="{main}" xmlns:r="{relations}"><sheets>'
            f'<sheet name="{xml_text(sheet_name)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{head}<Relationships xmlns="{package_relations}">'
            f'<Relationship Id="rId1" Type="{relations}/worksheet" '
            'Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{relations}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            f'{head}<styleSheet xmlns="{main}">'
            '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            "</borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            "</cellStyleXfs>"
            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" '
            'applyNumberFormat="1"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            "</cellStyles></styleSheet>"
        ),
    }
