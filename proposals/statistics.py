"""The supervisors' figures (统计督办): per session, with a drill-down by unit, category or
class group.

Every figure counts proposals exactly as the supervisors' listing counts them, so that each
links to the listing of what it counts: a figure is a set of listing criteria, a proposal is
counted when its own fields meet the proposal criteria (`filters.proposal_conditions`) and one
of its assignments meets all the assignment criteria at once (`filters.assignment_matches`).
The counts are GROUP BY aggregates: the page runs the same few queries whatever the number of
units, categories or proposals.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import charts
from .caching import cached_reference
from .filters import (
    CATEGORY_NONE,
    RATING_ANY,
    RATING_NONE,
    STATUS_ALL_REGISTERED,
    assignment_matches,
    proposal_conditions,
    proposal_matches,
    proposal_order,
    split_criteria,
)
from .models import Assignment, FormChannel, OutcomeClass, Proposal, Rating, ReplyLetter, Session
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


def listing_url(criteria: dict) -> str:
    """The supervisors' listing of the proposals that meet these criteria."""
    query = urlencode({name: str(value) for name, value in criteria.items()})
    return f"{reverse('proposals:supervision-list')}?{query}"


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
    proposals = Proposal.objects.filter(**base)
    assignments = Assignment.objects.filter(**{f"proposal__{k}": v for k, v in base.items()})
    codes = outcome_codes()
    groups = list(dict.fromkeys(code.group for code in codes))
    row_groups = groups if by == BY_GROUP else []

    by_category, counts = count_proposals(proposals, replies, codes, groups, row_groups)
    total = make_row(gettext("合计"), base, counts, CATEGORY_FIGURES, groups)
    # The units are the chart's whatever the drill-down.
    unit_rows = count_units(assignments, replies, base, groups)
    if by == BY_UNIT:
        rows, figure_keys = unit_rows, UNIT_FIGURES
    elif by == BY_CATEGORY:
        rows, figure_keys = category_rows(by_category, base, groups), CATEGORY_FIGURES
    else:
        rows, figure_keys = group_rows(counts, base, row_groups), GROUP_FIGURES
    columns = table_columns([total, *rows], figure_keys, groups if by != BY_GROUP else [])

    dissatisfied = dissatisfied_cases(replies, base)
    overdue = overdue_assignments(assignments, replies)
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


def count_proposals(
    proposals: QuerySet[Proposal],
    replies: QuerySet[ReplyLetter],
    codes: list[OutcomeCode],
    groups: list[str],
    row_groups: list[str],
) -> tuple[list[dict], dict[str, int]]:
    """One query, by category: the category rows, and their sums (a proposal has one category):
    the session total, the class mix and the figures of the `row_groups`."""
    expressions = {
        **figure_counts(CATEGORY_FIGURES, replies, on_proposals=True),
        **group_counts(groups, replies, on_proposals=True),
        **{
            f"code_{index}": proposal_count({"outcome": code.code}, replies)
            for index, code in enumerate(codes)
        },
    }
    for index, group in enumerate(row_groups):
        row_counts = figure_counts(
            GROUP_FIGURES, replies, on_proposals=True, criteria={"group": group}
        )
        expressions.update({f"row{index}_{name}": count for name, count in row_counts.items()})
    by_category = list(
        proposals.values("category")
        .annotate(category_name=Min("category__name"), **expressions)
        .order_by(F("category_name").asc(nulls_last=True))
    )
    counts = {name: sum(values[name] for values in by_category) for name in expressions}
    return by_category, counts


def count_units(
    assignments: QuerySet[Assignment], replies: QuerySet[ReplyLetter], base: dict, groups: list
) -> list[Row]:
    """One query on assignments, by unit: one assignment per proposal and unit, so a figure
    is the number of the unit's assignments that meet its criteria."""
    rows = (
        assignments.values("unit")
        .annotate(
            # Not grouped by the name as well: PostgreSQL then took 30 times as long.
            unit_name=Min("unit__name"),
            **figure_counts(UNIT_FIGURES, replies, on_proposals=False),
            **group_counts(groups, replies, on_proposals=False),
        )
        .order_by("unit_name")
    )
    return [
        make_row(
            values["unit_name"], {**base, "unit": values["unit"]}, values, UNIT_FIGURES, groups
        )
        for values in rows
    ]


def category_rows(by_category: list[dict], base: dict, groups: list[str]) -> list[Row]:
    return [
        make_row(
            values["category_name"] or gettext("未分类"),
            {**base, "category": values["category"] or CATEGORY_NONE},
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


def assignment_condition(criteria: dict, replies: QuerySet[ReplyLetter]) -> Q:
    """On Assignment rows grouped by unit: this assignment meets the assignment criteria, its
    proposal the proposal criteria; the proposals of the matching rows are those the listing
    finds with the row's unit added."""
    proposal_criteria, assignment_criteria = split_criteria(criteria)
    return proposal_conditions(proposal_criteria, prefix="proposal__") & assignment_matches(
        assignment_criteria, replies, of_one_unit=True
    )


def proposal_count(
    criteria: dict | list[dict], replies: QuerySet[ReplyLetter], *, on_proposals: bool = True
) -> Count:
    """The number of proposals meeting the criteria (or any of a list of them)."""
    alternatives = criteria if isinstance(criteria, list) else [criteria]
    make_condition = proposal_matches if on_proposals else assignment_condition
    condition = Q()
    for alternative in alternatives:
        condition |= make_condition(alternative, replies)
    if on_proposals:
        return Count("pk", filter=condition or None)
    return Count("proposal", distinct=True, filter=condition or None)


def figure_counts(
    keys: list[str],
    replies: QuerySet[ReplyLetter],
    *,
    on_proposals: bool,
    criteria: dict | None = None,
) -> dict[str, Count]:
    """The aggregates of the figures `keys` and of the satisfaction rates' numerators, with the
    row's own `criteria` where the rows are not grouped by it."""
    row_criteria = criteria or {}
    counts = {
        f"n_{key}": proposal_count(
            {**row_criteria, **FIGURE_CRITERIA[key]}, replies, on_proposals=on_proposals
        )
        for key in keys
    }
    for key, alternatives in FAVOURABLE.items():
        counts[f"n_{key}"] = proposal_count(
            [{**row_criteria, **alternative} for alternative in alternatives],
            replies,
            on_proposals=on_proposals,
        )
    return counts


def group_counts(
    groups: list[str], replies: QuerySet[ReplyLetter], *, on_proposals: bool
) -> dict[str, Count]:
    return {
        f"group_{index}": proposal_count({"group": group}, replies, on_proposals=on_proposals)
        for index, group in enumerate(groups)
    }


def make_row(label: str, criteria: dict, counts: dict, keys: list[str], groups: list[str]) -> Row:
    def figure(value: int, figure_criteria: dict) -> Figure:
        return Figure(value, listing_url({**criteria, **figure_criteria}))

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
    return [
        ClassMixGroup(
            group=group,
            figure=Figure(counts[f"group_{index}"], listing_url({**base, "group": group})),
            share=Rate(counts[f"group_{index}"], all_classes),
            codes=[
                (
                    code,
                    Figure(counts[f"code_{position}"], listing_url({**base, "outcome": code.code})),
                )
                for position, code in enumerate(codes)
                if code.group == group
            ],
        )
        for index, group in enumerate(groups)
    ]


def dissatisfied_cases(replies: QuerySet[ReplyLetter], base: dict) -> list[DissatisfiedCase]:
    """Replies whose form rated the attitude or the result dissatisfied, and whether the unit
    has replied again since: one query, LIST_LIMIT + 1 rows at most."""
    later_round = ReplyLetter.objects.filter(
        assignment=OuterRef("assignment"), round__gt=OuterRef("round")
    )
    dissatisfied = Rating.DISSATISFIED.value
    rows = (
        replies.with_ratings()
        .filter(
            Q(attitude=dissatisfied) | Q(result=dissatisfied),
            **{f"assignment__proposal__{k}": v for k, v in base.items()},
        )
        .annotate(rehandled=Exists(later_round))
        .select_related("unit", "assignment__proposal__session")
        .order_by(*proposal_order("number", "assignment__proposal__"), "unit__name", "round")[
            : LIST_LIMIT + 1
        ]
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


def overdue_assignments(
    assignments: QuerySet[Assignment], replies: QuerySet[ReplyLetter]
) -> list[Assignment]:
    """Assignments past their due date with no reply, the most overdue first: one query."""
    return list(
        assignments.filter(assignment_matches({"state": "overdue"}, replies))
        .select_related("unit", "proposal__session")
        .order_by("due_on", "proposal__number", "unit__name")[: LIST_LIMIT + 1]
    )
