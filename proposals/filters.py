"""The listing's filters: one set of parameter names for the public listing, the supervisors'
listing, the exports and the API (`session`, `unit`, `outcome`, `group`, `attitude`, `result`,
`category`, `key`, `status`, `year`, `q`, `sort`; supervisors also `state` and `published`).

Rows of the listing are proposals; a proposal matches the unit, state, class and rating
criteria when one of its assignments matches all of them at once (unit=X&outcome=A1 finds
proposals that unit X answered with A1, not proposals that some unit answered with A1).
"""

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from offices.models import HandlingUnit

from . import search
from .caching import cached_reference
from .models import (
    Assignment,
    AssignmentRole,
    Category,
    FormChannel,
    OutcomeClass,
    Proposal,
    ProposalStatus,
    Rating,
    ReplyLetter,
    Session,
)
from .selectors import visible_replies

RATING_NONE = "none"
RATING_ANY = "any"
# Ratings are the final round's unless rating_round=first asks for the first reply's.
RATING_ROUND_CHOICES = [("first", _("首轮评价"))]
RATING_CHOICES = [*Rating.choices, (RATING_ANY, _("已回表")), (RATING_NONE, _("未回表"))]
# Registered and anything after it: what the figures count as 立案.
STATUS_ALL_REGISTERED = "all_registered"
ALL_REGISTERED = [
    ProposalStatus.REGISTERED,
    ProposalStatus.ASSIGNED,
    ProposalStatus.REPLIED,
    ProposalStatus.CLOSED,
]
STATUS_CHOICES = [*ProposalStatus.choices, (STATUS_ALL_REGISTERED, _("已立案（含其后各状态）"))]
KEY_CHOICES = [("true", _("重点提案")), ("false", _("一般提案"))]
PUBLISHED_CHOICES = [("true", _("已公开")), ("false", _("未公开"))]
STATE_CHOICES = [
    ("assigned", _("已交办")),
    ("replied", _("已答复")),
    ("pending", _("办理中")),
    ("overdue", _("已逾期未答复")),
    ("on_time", _("按期答复")),
    ("late", _("逾期答复")),
]
SORT_CHOICES = [
    ("number", _("编号 ↑")),
    ("-number", _("编号 ↓")),
    ("date", _("答复日期 ↑")),
    ("-date", _("答复日期 ↓")),
    ("class", _("办理结果分类 ↑")),
    ("-class", _("办理结果分类 ↓")),
]
CATEGORY_NONE = "none"
MIN_KEYWORD_LENGTH = 2

# The criteria an assignment must meet as one (the others are the proposal's own).
ASSIGNMENT_CRITERIA = (
    "unit",
    "state",
    "outcome",
    "group",
    "attitude",
    "result",
    "channel",
    "rating_round",
    "published",
)


@cached_reference
def reference_choices() -> dict[str, list[tuple[str, str]]]:
    """The choices that come from reference data (four queries, when not cached)."""
    sessions = list(Session.objects.all())
    classes = list(OutcomeClass.objects.values_list("code", "group"))
    units = HandlingUnit.objects.order_by("name").values_list("pk", "name")
    categories = Category.objects.values_list("pk", "name")
    return {
        "session": [(str(session.pk), str(session)) for session in sessions],
        "year": [
            (str(year), str(year)) for year in sorted({s.year for s in sessions}, reverse=True)
        ],
        "unit": [(str(pk), name) for pk, name in units],
        "category": [*((str(pk), name) for pk, name in categories), (CATEGORY_NONE, _("未分类"))],
        "outcome": [(code, code) for code in dict.fromkeys(code for code, _ in classes)],
        "group": [(group, group) for group in sorted({group for _, group in classes})],
    }


class KeywordField(forms.CharField):
    def clean(self, value):
        value = " ".join(super().clean(value).split())
        if value and len(value) < MIN_KEYWORD_LENGTH:
            raise forms.ValidationError(_("关键词至少两个字。"))
        return value


class KeywordFilter(django_filters.CharFilter):
    field_class = KeywordField


class ListingFilter(django_filters.FilterSet):
    """The public listing's filters: published replies only."""

    published_only = True

    q = KeywordFilter(label=_("关键词"), max_length=100)
    # Their choices are read from the database when the filter is made (see __init__).
    session = django_filters.ChoiceFilter(label=_("会议"))
    year = django_filters.ChoiceFilter(label=_("年份"))
    unit = django_filters.ChoiceFilter(label=_("承办单位"))
    outcome = django_filters.ChoiceFilter(label=_("办理结果分类"))
    group = django_filters.ChoiceFilter(label=_("类别字母"))
    attitude = django_filters.ChoiceFilter(label=_("办理态度评价"), choices=RATING_CHOICES)
    result = django_filters.ChoiceFilter(label=_("办理结果评价"), choices=RATING_CHOICES)
    category = django_filters.ChoiceFilter(label=_("提案类别"))
    key = django_filters.ChoiceFilter(label=_("重点提案"), choices=KEY_CHOICES)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=STATUS_CHOICES)
    sort = django_filters.ChoiceFilter(label=_("排序"), choices=SORT_CHOICES, empty_label=None)

    class Meta:
        model = Proposal
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, choices in reference_choices().items():
            self.filters[name].extra["choices"] = choices

    @property
    def visible_replies(self) -> QuerySet[ReplyLetter]:
        return visible_replies(published_only=self.published_only)

    def criteria(self) -> dict:
        """The valid, non-empty filter values (call after `is_valid()`)."""
        return {name: value for name, value in self.form.cleaned_data.items() if value}

    def filter_queryset(self, queryset):
        criteria = self.criteria()
        proposals = queryset.filter(proposal_matches(criteria, self.visible_replies))
        if "q" in criteria:
            proposals = proposals.filter(
                search.proposals_matching(criteria["q"], self.visible_replies)
            )
        return sort_proposals(proposals, criteria.get("sort", "number"), self.visible_replies)


class SupervisorListingFilter(ListingFilter):
    """Supervisors also see unpublished replies and how far handling has got."""

    published_only = False

    state = django_filters.ChoiceFilter(label=_("办理状态"), choices=STATE_CHOICES)
    published = django_filters.ChoiceFilter(label=_("公开"), choices=PUBLISHED_CHOICES)
    channel = django_filters.ChoiceFilter(label=_("回表渠道"), choices=FormChannel.choices)
    rating_round = django_filters.ChoiceFilter(
        label=_("评价轮次"), choices=RATING_ROUND_CHOICES, empty_label=_("最终评价")
    )


class ReplyFilter(ListingFilter):
    """The same filters over published replies, one row per reply (the API's /replies/)."""

    class Meta:
        model = ReplyLetter
        fields = []

    def filter_queryset(self, queryset):
        criteria = self.criteria()
        replies = reply_rows(queryset, criteria, with_ratings=True).filter(
            proposal_conditions(criteria, prefix="assignment__proposal__")
        )
        if "q" in criteria:
            replies = replies.filter(search.replies_matching(criteria["q"]))
        return replies.order_by(*reply_order(criteria.get("sort", "-date")))


def split_criteria(criteria: dict) -> tuple[dict, dict]:
    """The proposal's own criteria, and those one of its assignments must meet."""
    assignment_criteria = {k: v for k, v in criteria.items() if k in ASSIGNMENT_CRITERIA}
    proposal_criteria = {k: v for k, v in criteria.items() if k not in ASSIGNMENT_CRITERIA}
    return proposal_criteria, assignment_criteria


def proposal_matches(criteria: dict, visible_replies: QuerySet[ReplyLetter]) -> Q:
    """On proposals: the listing's condition for these criteria (the keyword aside). The
    statistics count with it too, so that each figure is what its listing shows."""
    proposal_criteria, assignment_criteria = split_criteria(criteria)
    condition = proposal_conditions(proposal_criteria)
    if assignment_criteria:
        assignments = Assignment.objects.filter(
            assignment_matches(assignment_criteria, visible_replies), proposal=OuterRef("pk")
        )
        condition &= Q(Exists(assignments))
    return condition


def proposal_conditions(criteria: dict, prefix: str = "") -> Q:
    """The criteria that are the proposal's own, through `prefix` from the rows filtered."""
    conditions = Q()
    if "session" in criteria:
        conditions &= Q(**{f"{prefix}session": criteria["session"]})
    if "year" in criteria:
        conditions &= Q(**{f"{prefix}session__year": int(criteria["year"])})
    if criteria.get("category") == CATEGORY_NONE:
        conditions &= Q(**{f"{prefix}category__isnull": True})
    elif "category" in criteria:
        conditions &= Q(**{f"{prefix}category": criteria["category"]})
    if "key" in criteria:
        conditions &= Q(**{f"{prefix}is_key": criteria["key"] == "true"})
    if criteria.get("status") == STATUS_ALL_REGISTERED:
        conditions &= Q(**{f"{prefix}status__in": ALL_REGISTERED})
    elif "status" in criteria:
        conditions &= Q(**{f"{prefix}status": criteria["status"]})
    return conditions


def proposal_order(sort: str, prefix: str = "") -> list[str]:
    """Latest session first; within a session by number, rising unless `sort` is -number."""
    sessions = [f"-{prefix}session__year", f"-{prefix}session__term", f"-{prefix}session__meeting"]
    sign = "-" if sort.startswith("-") else ""
    return [
        *sessions,
        f"{prefix}session",  # two committees may meet in the same term and meeting
        f"{sign}{prefix}number_prefix",
        f"{sign}{prefix}number",
    ]


def reply_order(sort: str) -> list:
    """Replies by their proposal's number, their date or their class; ties by round and id."""
    descending = sort.startswith("-")
    if sort.lstrip("-") == "number":
        return [*proposal_order(sort, "assignment__proposal__"), "round", "id"]
    field = F("signed_on" if sort.lstrip("-") == "date" else "outcome_class__position")
    if descending:
        return [field.desc(nulls_last=True), "-id"]
    return [field.asc(nulls_last=True), "id"]


def reply_rows(
    replies: QuerySet[ReplyLetter], criteria: dict, *, with_ratings: bool = False
) -> QuerySet[ReplyLetter]:
    """Replies that meet the reply's own criteria: unit, class and ratings. The ratings are
    annotated where a criterion needs them or `with_ratings` asks: their subqueries join the
    proposal, which the statistics' many EXISTS would otherwise pay for in vain."""
    if with_ratings or any(rating in criteria for rating in ("attitude", "result", "channel")):
        replies = replies.with_ratings()
    if "unit" in criteria:
        replies = replies.filter(unit=criteria["unit"])
    if "outcome" in criteria:
        replies = replies.filter(outcome_class__code=criteria["outcome"])
    if "group" in criteria:
        replies = replies.filter(outcome_class__group=criteria["group"])
    if "published" in criteria:
        replies = replies.filter(is_published=criteria["published"] == "true")
    if criteria.get("rating_round") == "first":
        replies = replies.filter(round=1)
    elif any(rating in criteria for rating in ("attitude", "result", "channel")):
        # The final rating: that of the assignment's latest reply (after re-handling, the
        # new round's).
        later = ReplyLetter.objects.filter(
            assignment=OuterRef("assignment"), round__gt=OuterRef("round")
        )
        replies = replies.filter(~Exists(later))
    if "channel" in criteria:
        replies = replies.filter(form_channel=criteria["channel"])
    for rating in ("attitude", "result"):
        if rating in criteria:
            value = criteria[rating]
            if value in {RATING_NONE, RATING_ANY}:
                replies = replies.filter(**{f"{rating}__isnull": value == RATING_NONE})
            else:
                replies = replies.filter(**{rating: value})
    return replies


def assignment_matches(
    criteria: dict, visible_replies: QuerySet[ReplyLetter], *, of_one_unit: bool = False
) -> Q:
    """A condition on assignments: the unit and state criteria, and the class and rating
    criteria met by one and the same visible reply of the assignment.

    A co-handling unit (会办) sends its opinion to the lead unit, not to the proposer: it
    counts for its own unit (a `unit` criterion, or `of_one_unit` where the caller groups by
    unit) but not for the proposal's progress, and the proposer never rates it."""
    condition = Q(unit=criteria["unit"]) if "unit" in criteria else Q()
    rated = any(rating in criteria for rating in ("attitude", "result", "channel"))
    if rated or not ("unit" in criteria or of_one_unit):
        condition &= ~Q(role=AssignmentRole.CO_HANDLING)
    replies_of_it = visible_replies.filter(assignment=OuterRef("pk"))
    reply_criteria = {k: v for k, v in criteria.items() if k not in {"unit", "state"}}
    state = criteria.get("state")
    if state in {"pending", "overdue"}:
        if reply_criteria:  # a class or a rating needs a reply
            return Q(pk__in=[])
        today = timezone.localdate()
        due = (
            Q(due_on__lt=today)
            if state == "overdue"
            else Q(due_on__isnull=True) | Q(due_on__gte=today)
        )
        return condition & ~Q(Exists(replies_of_it)) & due
    matching = reply_rows(replies_of_it, reply_criteria)
    if state in {"on_time", "late"}:
        # Timeliness is the first reply's: later rounds answer a re-handling.
        matching = matching.filter(round=1).alias(
            replied_on=Coalesce("signed_on", TruncDate("created_at"))
        )
        if state == "on_time":
            matching = matching.filter(
                Q(assignment__due_on__isnull=True) | Q(replied_on__lte=F("assignment__due_on"))
            )
        else:
            matching = matching.filter(replied_on__gt=F("assignment__due_on"))
    if reply_criteria or state in {"replied", "on_time", "late"}:
        condition &= Q(Exists(matching))
    return condition


def sort_proposals(proposals, sort: str, visible_replies: QuerySet[ReplyLetter]):
    """By number, by the latest reply's date, or by the best class of the replies."""
    if sort.lstrip("-") == "number":
        return proposals.order_by(*proposal_order(sort))
    replies = visible_replies.filter(assignment__proposal=OuterRef("pk"))
    if sort.lstrip("-") == "date":
        value = replies.order_by(F("signed_on").desc(nulls_last=True)).values("signed_on")
    else:
        value = (
            replies.filter(outcome_class__isnull=False)
            .order_by("outcome_class__position")
            .values("outcome_class__position")
        )
    sort_value = F("sort_value")
    ordering = (
        sort_value.desc(nulls_last=True)
        if sort.startswith("-")
        else sort_value.asc(nulls_last=True)
    )
    return proposals.alias(sort_value=Subquery(value[:1])).order_by(ordering, *proposal_order(""))
