"""The supervisors' figures (统计督办): per session, with a drill-down by unit, category or
class group.

Every figure counts proposals exactly as the supervisors' listing counts them, so that each
links to the listing of what it counts: a figure is a set of listing criteria, a proposal is
counted when its own fields meet the proposal criteria (`filters.proposal_conditions`) and one
of its assignments meets all the assignment criteria at once (`filters.assignment_matches`).

The page runs three queries whatever the number of units, categories or proposals: every
count and the lists' assignments in one pass over the proposals joined with their
assignments, replies and forms (`count_figures`), then the rows of the two lists. The
listing asks the same of one proposal at a time (an EXISTS per proposal); counting that way,
figure by figure, took 1.6 s for a session of 5 000 proposals and 25 s for 100 000.
"""

import datetime
import functools
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    FilteredRelation,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import Exact, GreaterThan
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from offices.models import HandlingUnit

from . import charts
from .caching import cached_reference
from .filters import (
    CATEGORY_NONE,
    RATING_ANY,
    RATING_NONE,
    STATUS_ALL_REGISTERED,
    proposal_conditions,
    proposal_order,
    split_criteria,
)
from .models import (
    Assignment,
    AssignmentRole,
    Category,
    FormChannel,
    OutcomeClass,
    Proposal,
    Rating,
    ReplyLetter,
    Session,
)
from .selectors import visible_replies

ALL_SESSIONS = "all"
BY_UNIT, BY_CATEGORY, BY_GROUP = "unit", "category", "group"
BY_CHOICES = [
    (BY_UNIT, _("承办单位")),
    (BY_CATEGORY, _("提案类别")),
    (BY_GROUP, _("办理结果分类")),
]
# The lists of cases show the first rows only; their figure links to all of them.
LIST_LIMIT = 100
# The overdue assignments, the most overdue first.
OVERDUE_ORDER = ("due_on", "proposal__number", "unit__name", "pk")
# From a proposal, in `assignment_facts`: its assignments and their replies.
ASSIGNMENT, REPLY = "assignments__", "assignments__replies__"

# Each figure is the number of proposals the supervisors' listing finds with these criteria.
FIGURE_CRITERIA = {
    "registered": {"status": STATUS_ALL_REGISTERED},
    "assigned": {"state": "assigned"},
    "replied": {"state": "replied"},
    "on_time": {"state": "on_time"},
    "late": {"state": "late"},
    "overdue": {"state": "overdue"},
    "forms_returned": {"attitude": RATING_ANY},
    "forms_outstanding": {"attitude": RATING_NONE},
    "first_attitude_dissatisfied": {"attitude": Rating.DISSATISFIED.value, "rating_round": "first"},
    "first_result_dissatisfied": {"result": Rating.DISSATISFIED.value, "rating_round": "first"},
    "forms_online": {"channel": FormChannel.ONLINE.value},
    "forms_paper": {"channel": FormChannel.PAPER.value},
    **{
        f"{aspect}_{rating}": {aspect: rating.value}
        for aspect in ("attitude", "result")
        for rating in Rating
    },
}
# The numerators of the satisfaction rates: satisfied or basically satisfied, as one count (a
# proposal that two units answered, one rated satisfied and one basically satisfied, is one
# proposal), so that a rate never passes 100 %. No single listing shows it: it has no link.
FAVOURABLE = {
    f"{aspect}_favourable": [
        {aspect: Rating.SATISFIED.value},
        {aspect: Rating.BASICALLY_SATISFIED.value},
    ]
    for aspect in ("attitude", "result")
}
RATES = {
    "reply_rate": ("replied", "assigned"),
    "on_time_rate": ("on_time", "replied"),
    "attitude_rate": ("attitude_favourable", "forms_returned"),
    "result_rate": ("result_favourable", "forms_returned"),
}
# What a drill-down row can count: the registered proposals of a unit are its assigned ones,
# and a class group is a reply's, so it has no assigned or overdue proposals.
UNIT_FIGURES = [key for key in FIGURE_CRITERIA if key != "registered"]
CATEGORY_FIGURES = list(FIGURE_CRITERIA)
GROUP_FIGURES = [key for key in FIGURE_CRITERIA if key not in {"registered", "assigned", "overdue"}]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    description: str = ""


COLUMNS = [
    Column("registered", _("立案"), _("已立案的提案（含其后各状态）")),
    Column("assigned", _("交办"), _("已交办的提案")),
    Column("replied", _("答复"), _("已答复的提案")),
    Column("reply_rate", _("办复率"), _("答复 ÷ 交办")),
    Column("on_time", _("按期答复"), _("首次答复在期限内")),
    Column("late", _("逾期答复"), _("首次答复晚于期限")),
    Column("on_time_rate", _("按期率"), _("按期答复 ÷ 答复")),
    Column("overdue", _("逾期未答复"), _("已过答复期限仍未答复")),
    Column("forms_returned", _("已回表"), _("征询意见表已寄回")),
    Column("forms_outstanding", _("未回表"), _("已答复但征询意见表未寄回")),
    Column("forms_online", _("网上回表"), _("委员通过个人链接填写")),
    Column("forms_paper", _("纸质回表"), _("纸质表由工作人员录入")),
    Column("attitude_rate", _("态度满意率"), _("办理态度满意或基本满意 ÷ 已回表")),
    Column("attitude_dissatisfied", _("态度不满意"), _("办理态度评为不满意")),
    Column("result_rate", _("结果满意率"), _("办理结果满意或基本满意 ÷ 已回表")),
    Column("result_dissatisfied", _("结果不满意"), _("办理结果评为不满意")),
    Column("first_attitude_dissatisfied", _("首轮态度不满意"), _("首轮答复的办理态度评为不满意")),
    Column("first_result_dissatisfied", _("首轮结果不满意"), _("首轮答复的办理结果评为不满意")),
]


def listing_url(criteria: dict, path: str | None = None) -> str:
    """The supervisors' listing of the proposals that meet these criteria; `path` is the
    listing's, where the caller looked it up once for many figures (a page has a thousand)."""
    query = urlencode({name: str(value) for name, value in criteria.items()})
    return f"{path or reverse('proposals:supervision-list')}?{query}"


@dataclass(frozen=True)
class Figure:
    """A number of proposals, and the listing that shows them (None where no listing can)."""

    value: int
    url: str | None

    @property
    def display(self) -> str:
        return str(self.value)


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        if not self.denominator:
            return None
        return 100 * self.numerator / self.denominator

    @property
    def display(self) -> str:
        percent = self.percent
        return "—" if percent is None else f"{percent:.1f}%"

    @property
    def fraction(self) -> str:
        return f"{self.numerator} ÷ {self.denominator}"

    url = None  # a rate is no count: no listing shows it


@dataclass
class Row:
    """The figures of the session total or of one unit, category or class group."""

    label: str
    criteria: dict  # the row's own listing criteria (unit, category or group), with the session
    figures: dict[str, Figure]
    rates: dict[str, Rate]
    groups: list[Figure] = field(default_factory=list)  # the class mix, in the page's group order
    cells: list = field(default_factory=list)  # aligned with the table's columns; None: n/a

    def cell(self, key: str) -> Figure | Rate | None:
        """The figure or rate of a column; None where the row cannot count it."""
        return self.figures.get(key) or self.rates.get(key)


@dataclass(frozen=True)
class OutcomeCode:
    code: str
    group: str
    definition: str


@dataclass(frozen=True)
class ClassMixGroup:
    group: str
    figure: Figure
    share: Rate  # of all the class counts of the session
    codes: list[tuple[OutcomeCode, Figure]]


@dataclass(frozen=True)
class DissatisfiedCase:
    reply: ReplyLetter
    attitude: bool
    result: bool
    rehandled: bool  # a later round has been replied since

    @property
    def proposal(self) -> Proposal:
        return self.reply.assignment.proposal


@dataclass
class Statistics:
    session: Session | None  # None: every session
    by: str
    groups: list[str]
    total: Row
    class_mix: list[ClassMixGroup]
    columns: list[Column]
    rows: list[Row]
    unit_rows: list[Row]
    dissatisfied: list[DissatisfiedCase]
    dissatisfied_more: bool
    overdue: list[Assignment]
    overdue_more: bool

    @property
    def by_label(self) -> str:
        return dict(BY_CHOICES)[self.by]

    @cached_property
    def class_mix_chart(self) -> str:
        groups = [
            charts.Bar(
                label=gettext("%(group)s类") % {"group": mix.group},
                value=mix.figure.value,
                url=mix.figure.url,
                tooltip=gettext("%(group)s类：%(count)d 件（%(share)s）")
                % {"group": mix.group, "count": mix.figure.value, "share": mix.share.display},
                series=index,
            )
            for index, mix in enumerate(self.class_mix)
        ]
        codes = [
            charts.Bar(
                label=code.code,
                value=figure.value,
                url=figure.url,
                tooltip=gettext("%(code)s（%(definition)s）：%(count)d 件")
                % {"code": code.code, "definition": code.definition, "count": figure.value},
                series=index,
                shade=shade,
            )
            for index, mix in enumerate(self.class_mix)
            for shade, (code, figure) in enumerate(mix.codes)
        ]
        return charts.class_mix_chart(
            groups, codes, label=gettext("办理结果分类构成"), empty=gettext("尚无分类数据")
        )

    @cached_property
    def unit_rates_chart(self) -> str:
        series = [
            ("reply_rate", "replied", gettext("办复率")),
            ("attitude_rate", "forms_returned", gettext("态度满意率")),
            ("result_rate", "forms_returned", gettext("结果满意率")),
        ]
        rows = []
        for row in self.unit_rows:
            bars = []
            for index, (rate_key, listing_key, name) in enumerate(series):
                rate = row.rates[rate_key]
                bars.append(
                    charts.Bar(
                        label=name,
                        value=rate.percent,
                        url=row.figures[listing_key].url,
                        tooltip=f"{row.label} · {name}：{rate.display}（{rate.fraction}）",
                        series=index,
                    )
                )
            rows.append((row.label, bars))
        return charts.rates_chart(
            rows,
            series=[name for *_keys, name in series],
            label=gettext("各承办单位办复率与满意率"),
            empty=gettext("本次会议尚无交办"),
        )


class StatisticsParameters(forms.Form):
    """The page's parameters: `session` (a session's id or `all`, default the latest session)
    and `by` (unit, category or group, default unit)."""

    session = forms.ChoiceField(
        label=_("会议"),
        error_messages={"invalid_choice": _("没有这次会议“%(value)s”：请从列表中选择。")},
    )
    by = forms.ChoiceField(
        label=_("分项统计"),
        choices=BY_CHOICES,
        error_messages={
            "invalid_choice": _("不能按“%(value)s”分项：可按承办单位、提案类别或办理结果分类。")
        },
    )

    def __init__(self, query):
        self.sessions = {str(session.pk): session for session in all_sessions()}
        default_session = next(iter(self.sessions), ALL_SESSIONS)
        super().__init__(
            {
                "session": query.get("session") or default_session,
                "by": query.get("by") or BY_UNIT,
            }
        )
        self.fields["session"].choices = [
            *((pk, str(session)) for pk, session in self.sessions.items()),
            (ALL_SESSIONS, _("全部会议")),
        ]

    def clean_session(self) -> Session | None:
        return self.sessions.get(self.cleaned_data["session"])


@cached_reference
def all_sessions() -> list[Session]:
    return list(Session.objects.all())


def session_statistics(*, session: Session | None, by: str) -> Statistics:
    """The page's figures, for one session or (None) every session, rows by `by`."""
    replies = visible_replies(published_only=False)
    base = {"session": session.pk} if session else {}
    codes = outcome_codes()
    groups = list(dict.fromkeys(code.group for code in codes))
    row_groups = groups if by == BY_GROUP else []

    counted = page_counts(codes, groups, row_groups)
    by_category, by_unit, listed = count_figures(session, codes, row_groups)
    # A proposal has one category: the session's counts are the sum of the categories'.
    counts = {name: sum(values[name] for values in by_category) for name in counted}
    total = make_row(gettext("合计"), base, counts, CATEGORY_FIGURES, groups)
    # The units are the chart's whatever the drill-down.
    unit_rows = [
        make_row(values["name"], {**base, "unit": values["id"]}, values, UNIT_FIGURES, groups)
        for values in by_unit
    ]
    if by == BY_UNIT:
        rows, figure_keys = unit_rows, UNIT_FIGURES
    elif by == BY_CATEGORY:
        rows, figure_keys = category_rows(by_category, base, groups), CATEGORY_FIGURES
    else:
        rows, figure_keys = group_rows(counts, base, row_groups), GROUP_FIGURES
    columns = table_columns([total, *rows], figure_keys, groups if by != BY_GROUP else [])

    dissatisfied = dissatisfied_cases(replies, listed["dissatisfied"])
    overdue = overdue_assignments(listed["overdue"])
    return Statistics(
        session=session,
        by=by,
        groups=groups,
        total=total,
        class_mix=make_class_mix(base, counts, codes, groups),
        columns=columns,
        rows=rows,
        unit_rows=unit_rows,
        dissatisfied=dissatisfied[:LIST_LIMIT],
        dissatisfied_more=len(dissatisfied) > LIST_LIMIT,
        overdue=overdue[:LIST_LIMIT],
        overdue_more=len(overdue) > LIST_LIMIT,
    )


def page_counts(codes: list[OutcomeCode], groups: list[str], row_groups: list[str]) -> dict:
    """What the page counts, by name, each a list of listing criteria (a proposal that meets
    any of them counts once): the figures and the satisfaction rates' numerators, the class
    groups and codes, and the figures of the `row_groups`."""
    counts = {
        **figure_counts(CATEGORY_FIGURES),
        **{f"group_{index}": [{"group": group}] for index, group in enumerate(groups)},
        **{f"code_{index}": [{"outcome": code.code}] for index, code in enumerate(codes)},
    }
    for index, group in enumerate(row_groups):
        row_counts = figure_counts(GROUP_FIGURES, {"group": group})
        counts.update({f"row{index}_{name}": criteria for name, criteria in row_counts.items()})
    return counts


def figure_counts(keys: list[str], row_criteria: dict | None = None) -> dict[str, list[dict]]:
    """The figures `keys` and the satisfaction rates' numerators, with the row's own criteria
    where the rows are not grouped by it."""
    row_criteria = row_criteria or {}
    counts = {f"n_{key}": [{**row_criteria, **FIGURE_CRITERIA[key]}] for key in keys}
    for key, alternatives in FAVOURABLE.items():
        counts[f"n_{key}"] = [{**row_criteria, **alternative} for alternative in alternatives]
    return counts


def count_figures(
    session: Session | None, codes: list[OutcomeCode], row_groups: list[str]
) -> tuple[list[dict], list[dict], dict[str, list[int]]]:
    """The `page_counts` of the session's proposals (None: every session's) by category, and
    of their assignments by unit (one assignment per proposal and unit: a unit's count is a
    number of proposals), each row with the category's or unit's `id` and `name`, in the
    order of the names; and for each of the `page_lists`, the ids of the first
    LIST_LIMIT + 1 assignments it finds. One query.

    The joined rows (`assignment_facts`) are grouped by assignment (does it meet the
    criteria?), then by proposal (does one of its assignments?), then by category or unit
    (how many do?). Each count stays what its listing counts: `row_condition` is
    filters.proposal_matches for one joined row."""
    names, lists, sql, params = counting_sql(
        session.pk if session else None,
        tuple(codes),
        tuple(row_groups),
        # What else the SQL holds: the day that overdue counts from, and the time zone of the
        # dates of replies.
        timezone.localdate(),
        timezone.get_current_timezone_name(),
    )
    results = {"category": [], "unit": [], **{f"list{index}": [] for index in range(len(lists))}}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, name, pk, *values in cursor.fetchall():
            results[kind].append({"id": pk, "name": name, **dict(zip(names, values, strict=True))})
    listed = {
        name: [row["id"] for row in results[f"list{index}"]] for index, name in enumerate(lists)
    }
    return results["category"], results["unit"], listed


@functools.lru_cache(maxsize=64)
def counting_sql(
    session_pk: int | None,
    codes: tuple[OutcomeCode, ...],
    row_groups: tuple[str, ...],
    today: datetime.date,
    timezone_name: str,
) -> tuple[tuple[str, ...], tuple[str, ...], str, tuple]:
    """The query of count_figures: the names of its counts and lists, its SQL and parameters.
    Kept, for they depend on the arguments alone and Django takes some 20 ms to build them
    (a quarter of what the database takes to answer for a session)."""
    counts = page_counts(list(codes), list(dict.fromkeys(code.group for code in codes)), row_groups)
    lists = page_lists()
    proposals = Proposal.objects.all()
    if session_pk is not None:
        proposals = proposals.filter(session=session_pk)
    names = list(counts)
    matches = {
        f"k{index}": assignment_match(alternatives)
        for index, alternatives in enumerate(counts.values())
    }
    listed_assignments = []
    for index, (condition, ordered) in enumerate(lists.values()):
        matches[f"l{index}"] = Max(Case(When(condition, then=1), default=0))
        found = RawSQL(f"SELECT assignment FROM assignment_facts WHERE l{index} = 1", [])
        listed_assignments.append(
            ordered.filter(pk__in=found).values_list("pk")[: LIST_LIMIT + 1].query.sql_with_params()
        )
    # A co-handling unit's opinion counts for its unit, not for the proposal (as in
    # filters.assignment_matches); the proposal's own criteria need no assignment.
    by_proposal = ", ".join(
        (
            f"MAX(CASE WHEN co = 0 THEN k{index} ELSE 0 END)"
            if split_criteria(alternatives[0])[1]
            else f"MAX(k{index})"
        )
        + f" AS k{index}"
        for index, alternatives in enumerate(counts.values())
    )
    sums = ", ".join(f"SUM(k{index}) AS k{index}" for index in range(len(names)))
    # A unit's row shows its figures and class groups, not the codes or the group rows.
    of_units = {
        *figure_counts(UNIT_FIGURES),
        *(name for name in names if name.startswith("group_")),
    }
    unit_sums = ", ".join(
        f"SUM(k{index}) AS k{index}" if name in of_units else f"CAST(NULL AS BIGINT) AS k{index}"
        for index, name in enumerate(names)
    )
    no_sums = ", ".join(["NULL"] * len(names))
    list_parts = "".join(
        f" UNION ALL SELECT 'list{index}' AS kind, NULL, listed.pk, {no_sums} FROM ({sql}) listed"
        for index, (sql, _params) in enumerate(listed_assignments)
    )
    assignments, assignment_params = assignment_facts(proposals, matches).query.sql_with_params()
    categories, category_params = (
        Category.objects.order_by().values("id", "name").query.sql_with_params()
    )
    units, unit_params = (
        HandlingUnit.objects.order_by().values("id", "name").query.sql_with_params()
    )
    sql = f"""
        WITH assignment_facts AS ({assignments}),
        proposal_facts AS (
            SELECT proposal_category, {by_proposal}
            FROM assignment_facts GROUP BY proposal, proposal_category
        ),
        by_category AS (
            SELECT proposal_category AS id, {sums} FROM proposal_facts GROUP BY proposal_category
        ),
        by_unit AS (
            SELECT unit AS id, {unit_sums}
            FROM assignment_facts WHERE assignment IS NOT NULL GROUP BY unit
        )
        SELECT * FROM (
            SELECT 'category' AS kind, names.name, by_category.*
            FROM by_category LEFT JOIN ({categories}) names ON names.id = by_category.id
            UNION ALL
            SELECT 'unit' AS kind, names.name, by_unit.*
            FROM by_unit LEFT JOIN ({units}) names ON names.id = by_unit.id
            {list_parts}
        ) counts
        ORDER BY kind, name IS NULL, name, id
    """
    params = [*assignment_params, *category_params, *unit_params]
    for _sql, list_params in listed_assignments:
        params.extend(list_params)
    return tuple(names), tuple(lists), sql, tuple(params)


def assignment_match(alternatives: list[dict]):
    """An aggregate over the rows of one assignment: 1 where it meets the assignment criteria
    of one of the `alternatives`, and its proposal the proposal criteria, else 0."""
    conditions = Q()
    for criteria in alternatives:
        condition, final = row_condition(criteria)
        if final:
            # A rating is the final round's: the assignment's latest reply is one that matches.
            latest_matching = Max(Case(When(condition, then=F(f"{REPLY}round"))))
            conditions |= Q(Exact(latest_matching, Max(f"{REPLY}round")))
        else:
            conditions |= Q(GreaterThan(Max(Case(When(condition, then=1), default=0)), 0))
    return Case(When(conditions, then=1), default=0)


def assignment_facts(proposals: QuerySet[Proposal], matches: dict) -> QuerySet[Proposal]:
    """The proposals joined with their assignments, the assignments' replies and each reply's
    rating form (that of ReplyLetter.with_ratings: the first proposer's valid form, one at
    most); grouped into one row per proposal and assignment (a proposal without assignments
    is one row) with the `matches`, aggregates over the joined rows of the assignment."""
    return (
        proposals.order_by()
        .alias(
            rating_form=FilteredRelation(
                f"{REPLY}forms",
                condition=Q(
                    **{f"{REPLY}forms__rater": F("proposer"), f"{REPLY}forms__voided_at": None}
                ),
            ),
            replied_on=Coalesce(f"{REPLY}signed_on", TruncDate(f"{REPLY}created_at")),
        )
        .values(proposal=F("pk"), assignment=F("assignments"))
        .annotate(
            proposal_category=Min("category"),
            unit=Min(f"{ASSIGNMENT}unit"),
            co=Max(
                Case(When(**{f"{ASSIGNMENT}role": AssignmentRole.CO_HANDLING}, then=1), default=0)
            ),
            **matches,
        )
    )


def row_condition(criteria: dict) -> tuple[Q, bool]:
    """On a joined row of `assignment_facts`: the proposal meets the proposal criteria, its
    assignment and reply the assignment criteria (filters.assignment_matches and reply_rows,
    but for the co-handling units that count_figures leaves out of the proposals' counts);
    and whether the reply must also be its assignment's final round, as for a rating. Rows
    are grouped by unit, never filtered by one."""
    if "unit" in criteria:
        raise ValueError("The figures of a unit are those of its rows.")
    proposal_criteria, assignment_criteria = split_criteria(criteria)
    condition = proposal_conditions(proposal_criteria)
    if not assignment_criteria:
        return condition, False
    condition &= Q(**{f"{ASSIGNMENT}isnull": False})
    rated = any(rating in criteria for rating in ("attitude", "result", "channel"))
    if rated:
        condition &= ~Q(**{f"{ASSIGNMENT}role": AssignmentRole.CO_HANDLING})
    state = criteria.get("state")
    reply_criteria = {k: v for k, v in assignment_criteria.items() if k != "state"}
    if state in {"pending", "overdue"}:
        if reply_criteria:  # a class or a rating needs a reply
            return Q(pk__in=[]), False
        today = timezone.localdate()
        due = (
            Q(**{f"{ASSIGNMENT}due_on__lt": today})
            if state == "overdue"
            else Q(**{f"{ASSIGNMENT}due_on": None}) | Q(**{f"{ASSIGNMENT}due_on__gte": today})
        )
        return condition & Q(**{f"{REPLY}isnull": True}) & due, False
    if reply_criteria or state in {"replied", "on_time", "late"}:
        condition &= Q(**{f"{REPLY}isnull": False}) & reply_condition(reply_criteria)
    if state in {"on_time", "late"}:
        # Timeliness is the first reply's: later rounds answer a re-handling.
        due_on = F(f"{ASSIGNMENT}due_on")
        condition &= Q(**{f"{REPLY}round": 1}) & (
            Q(**{f"{ASSIGNMENT}due_on": None}) | Q(replied_on__lte=due_on)
            if state == "on_time"
            else Q(replied_on__gt=due_on)
        )
    return condition, rated and criteria.get("rating_round") != "first"


def reply_condition(criteria: dict) -> Q:
    """On a joined row of `assignment_facts`: its reply meets the class and rating criteria."""
    condition = Q()
    if "outcome" in criteria:
        condition &= Q(**{f"{REPLY}outcome_class__code": criteria["outcome"]})
    if "group" in criteria:
        condition &= Q(**{f"{REPLY}outcome_class__group": criteria["group"]})
    if "published" in criteria:
        condition &= Q(**{f"{REPLY}is_published": criteria["published"] == "true"})
    if criteria.get("rating_round") == "first":
        condition &= Q(**{f"{REPLY}round": 1})
    if "channel" in criteria:
        condition &= Q(rating_form__channel=criteria["channel"])
    for rating in ("attitude", "result"):
        if rating in criteria:
            value, field = criteria[rating], f"rating_form__{rating}_rating"
            if value in {RATING_NONE, RATING_ANY}:
                condition &= Q(**{f"{field}__isnull": value == RATING_NONE})
            else:
                condition &= Q(**{field: value})
    return condition


def category_rows(by_category: list[dict], base: dict, groups: list[str]) -> list[Row]:
    return [
        make_row(
            values["name"] or gettext("未分类"),
            {**base, "category": values["id"] or CATEGORY_NONE},
            values,
            CATEGORY_FIGURES,
            groups,
        )
        for values in by_category
    ]


def group_rows(counts: dict[str, int], base: dict, row_groups: list[str]) -> list[Row]:
    rows = []
    for index, group in enumerate(row_groups):
        prefix = f"row{index}_"
        row_counts = {
            name.removeprefix(prefix): value
            for name, value in counts.items()
            if name.startswith(prefix)
        }
        label = gettext("%(group)s类") % {"group": group}
        rows.append(make_row(label, {**base, "group": group}, row_counts, GROUP_FIGURES, []))
    return rows


def table_columns(rows: list[Row], figure_keys: list[str], groups: list[str]) -> list[Column]:
    """The drill-down table's columns for rows of `figure_keys` (a rate where its divisor is
    one) and the class mix of `groups`; sets each row's cells to match."""
    columns = [
        column
        for column in COLUMNS
        if column.key in figure_keys
        or (column.key in RATES and RATES[column.key][1] in figure_keys)
    ]
    for row in rows:
        row.cells = [row.cell(column.key) for column in columns] + row.groups[: len(groups)]
    group_columns = [
        Column(f"group:{group}", gettext("%(group)s类") % {"group": group}) for group in groups
    ]
    return columns + group_columns


@cached_reference
def outcome_codes() -> list[OutcomeCode]:
    """The outcome classes, the default scheme's first; a code two schemes share is one code
    (the listing filters by code)."""
    classes = OutcomeClass.objects.order_by(
        "-scheme__is_default", "scheme__name", "position", "code"
    ).values_list("code", "group", "definition")
    codes = {}
    for code, group, definition in classes:
        codes.setdefault(code, OutcomeCode(code, group, definition))
    return list(codes.values())


def make_row(label: str, criteria: dict, counts: dict, keys: list[str], groups: list[str]) -> Row:
    path = reverse("proposals:supervision-list")

    def figure(value: int, figure_criteria: dict) -> Figure:
        return Figure(value, listing_url({**criteria, **figure_criteria}, path))

    figures = {key: figure(counts[f"n_{key}"], FIGURE_CRITERIA[key]) for key in keys}
    numbers = {key: figure.value for key, figure in figures.items()}
    numbers.update({key: counts[f"n_{key}"] for key in FAVOURABLE})
    rates = {
        key: Rate(numbers[numerator], numbers[denominator])
        for key, (numerator, denominator) in RATES.items()
        if numerator in numbers and denominator in numbers
    }
    return Row(
        label=label,
        criteria=criteria,
        figures=figures,
        rates=rates,
        groups=[
            figure(counts[f"group_{index}"], {"group": group}) for index, group in enumerate(groups)
        ],
    )


def make_class_mix(
    base: dict, counts: dict, codes: list[OutcomeCode], groups: list[str]
) -> list[ClassMixGroup]:
    all_classes = sum(counts[f"group_{index}"] for index in range(len(groups)))
    path = reverse("proposals:supervision-list")
    return [
        ClassMixGroup(
            group=group,
            figure=Figure(counts[f"group_{index}"], listing_url({**base, "group": group}, path)),
            share=Rate(counts[f"group_{index}"], all_classes),
            codes=[
                (
                    code,
                    Figure(
                        counts[f"code_{position}"],
                        listing_url({**base, "outcome": code.code}, path),
                    ),
                )
                for position, code in enumerate(codes)
                if code.group == group
            ],
        )
        for index, group in enumerate(groups)
    ]


def page_lists() -> dict[str, tuple[Q, QuerySet[Assignment]]]:
    """The page's lists of cases, by their assignments: a condition on a joined row of
    `assignment_facts`, and the order of the list."""
    overdue, _final = row_condition(FIGURE_CRITERIA["overdue"])
    dissatisfied = Rating.DISSATISFIED.value
    return {
        # As the proposals' figure counts them: a co-handling unit owes the proposer no reply.
        "overdue": (
            overdue & ~Q(**{f"{ASSIGNMENT}role": AssignmentRole.CO_HANDLING}),
            Assignment.objects.order_by(*OVERDUE_ORDER),
        ),
        # Any round's rating, with or without a later round.
        "dissatisfied": (
            Q(rating_form__attitude_rating=dissatisfied)
            | Q(rating_form__result_rating=dissatisfied),
            Assignment.objects.order_by(
                *proposal_order("number", "proposal__"), "unit__name", "pk"
            ),
        ),
    }


def dissatisfied_cases(
    replies: QuerySet[ReplyLetter], assignment_ids: list[int]
) -> list[DissatisfiedCase]:
    """Replies whose form rated the attitude or the result dissatisfied, and whether the unit
    has replied again since: LIST_LIMIT + 1 rows at most, of the first LIST_LIMIT + 1 such
    assignments (which hold the first LIST_LIMIT + 1 replies); one query, where there are any."""
    if not assignment_ids:
        return []
    later_round = ReplyLetter.objects.filter(
        assignment=OuterRef("assignment"), round__gt=OuterRef("round")
    )
    dissatisfied = Rating.DISSATISFIED.value
    rows = (
        replies.with_ratings()
        .filter(Q(attitude=dissatisfied) | Q(result=dissatisfied), assignment__in=assignment_ids)
        .annotate(rehandled=Exists(later_round))
        .select_related("unit", "assignment__proposal__session")
        .defer("body", "assignment__proposal__body")  # long texts the list does not show
        .order_by(
            *proposal_order("number", "assignment__proposal__"),
            "unit__name",
            "assignment",
            "round",
        )[: LIST_LIMIT + 1]
    )
    return [
        DissatisfiedCase(
            reply=reply,
            attitude=reply.attitude == dissatisfied,
            result=reply.result == dissatisfied,
            rehandled=reply.rehandled,
        )
        for reply in rows
    ]


def overdue_assignments(assignment_ids: list[int]) -> list[Assignment]:
    """The overdue assignments of these ids, the most overdue first; one query, where there
    are any."""
    if not assignment_ids:
        return []
    return list(
        Assignment.objects.filter(pk__in=assignment_ids)
        .select_related("unit", "proposal__session")
        .defer("proposal__body")  # a long text the list does not show
        .order_by(*OVERDUE_ORDER)
    )
