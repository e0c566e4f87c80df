"""Reads shared by the admin, the commands, the pages, the exports and the API."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Case, Count, Max, Prefetch, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext as _

from .letters.reader import ParsedLetter
from .models import (
    DISCLOSURE_MARKS,
    Assignment,
    AssignmentRole,
    OutcomeClass,
    Proposal,
    ProposerKind,
    ReplyLetter,
    split_printed_number,
)

# The lead unit (主办) before co-handling (会办) and separate (分办) units.
LEAD_FIRST = Case(
    When(role=AssignmentRole.LEAD, then=0),
    When(role=AssignmentRole.CO_HANDLING, then=1),
    default=2,
)
DEFAULT_COPIED_TO = ["市政协提案委员会", "市政府督查室"]


def reply_draft_for(assignment: Assignment) -> dict:
    """What a new reply letter to this assignment will most likely say, for the admin form."""
    proposal = assignment.proposal
    proposer = proposal.proposer
    previous = ReplyLetter.objects.filter(assignment__unit=assignment.unit).first()
    last_round = assignment.replies.aggregate(last=Max("round"))["last"] or 0
    suffix = "会办意见的函" if assignment.role == AssignmentRole.CO_HANDLING else "答复的函"
    return {
        "assignment": assignment.pk,
        "round": last_round + 1,
        "title": f"关于{proposal.session}第{proposal.printed_number}号提案{suffix}",
        "addressee": f"尊敬的{proposer}" if proposer.kind == ProposerKind.MEMBER else proposer.name,
        "proposal_title": proposal.title,
        "signing_unit": assignment.unit.name,
        "copied_to": previous.copied_to if previous else DEFAULT_COPIED_TO,
        "contact_name": previous.contact_name if previous else "",
        "contact_phone": previous.contact_phone if previous else "",
    }


class LetterNotMatched(LookupError):
    """No assignment of the user's units answers to the letter; str() says why."""


def assignment_for_letter(letter: ParsedLetter, unit_ids: list[int]) -> Assignment:
    """The assignment, among the units in `unit_ids`, that a letter read from a file replies
    to: found by session (term and meeting), proposal number and the signing unit. Raises
    LetterNotMatched."""
    number = split_printed_number(letter.proposal_number or "")
    if not (letter.term and letter.meeting and number):
        raise LetterNotMatched(_("函中找不到会议届次和提案编号，无法确定答复的是哪件提案。"))
    prefix, value, _digits = number
    printed = _("%(term)s届%(meeting)s次会议第%(number)s号提案") % {
        "term": letter.term,
        "meeting": letter.meeting,
        "number": letter.proposal_number,
    }
    assignments = Assignment.objects.select_related("unit", "proposal__session").filter(
        proposal__session__term=letter.term,
        proposal__session__meeting=letter.meeting,
        proposal__number_prefix__iexact=prefix,
        proposal__number=value,
        unit_id__in=unit_ids,
    )
    if letter.committee:  # a deployment rarely holds several committees; prefer the letter's
        assignments = assignments.order_by(
            Case(When(proposal__session__committee=letter.committee, then=0), default=1)
        )
    by_name = assignments.filter(Q(unit__name=letter.unit) | Q(unit__full_name=letter.unit))
    found = list(by_name[:1]) or list(assignments[:2])
    if len(found) == 1:
        return found[0]
    if not found:
        raise LetterNotMatched(
            _("没有找到交给您所在单位办理的%(proposal)s。") % {"proposal": printed}
        )
    raise LetterNotMatched(
        _("%(proposal)s交给了您有权登记的多个单位，而落款单位“%(unit)s”与其中任何一个都不符。")
        % {"proposal": printed, "unit": letter.unit or ""}
    )


def outcome_class_for(code: str) -> OutcomeClass | None:
    """The class a letter's printed code names; the default scheme's first, as a code such
    as “A” may exist in several schemes."""
    return OutcomeClass.objects.filter(code=code).order_by("-scheme__is_default").first()


def reply_draft_from_letter(letter: ParsedLetter) -> dict:
    """A reply form's initial values from a letter read from a file (JSON-serialisable, so
    that it can wait in the session until the form is shown)."""
    outcome_class = outcome_class_for(letter.outcome_class) if letter.outcome_class else None
    values = {
        "doc_number": letter.doc_number,
        "outcome_class": outcome_class.pk if outcome_class else None,
        "title": letter.title,
        "addressee": letter.addressee,
        "proposal_title": letter.proposal_title,
        "body": letter.body,
        "signing_unit": letter.unit,
        "signed_on": letter.signed_on.isoformat() if letter.signed_on else None,
        "signer": letter.signer,
        "copied_to": letter.copied_to,
        "contact_name": letter.contact_name,
        "contact_phone": letter.contact_phone,
        "disclosure": DISCLOSURE_MARKS.get(letter.disclosure or ""),
    }
    return {name: value for name, value in values.items() if value not in (None, "", [])}


def visible_replies(*, published_only: bool) -> QuerySet[ReplyLetter]:
    replies = ReplyLetter.objects.all()
    return replies.published() if published_only else replies


def listing_rows(proposals: QuerySet[Proposal], replies: QuerySet[ReplyLetter]):
    """The listing's proposals with what each row shows, in a fixed number of queries:
    its units and roles, and each unit's visible replies with their class and ratings."""
    return proposals.select_related("session", "proposer", "category").prefetch_related(
        Prefetch(
            "assignments",
            queryset=Assignment.objects.select_related("unit")
            .order_by(LEAD_FIRST, "unit__name")
            .prefetch_related(
                Prefetch(
                    "replies",
                    queryset=replies.with_ratings()
                    .select_related("outcome_class")
                    .order_by("round", "id"),
                    to_attr="visible_replies",
                )
            ),
        )
    )


def proposal_page(pk: int, replies: QuerySet[ReplyLetter]) -> Proposal:
    """One proposal with its co-signers, units and visible replies, each with the number of
    forms returned on it and its `outcome_class_changes`. Raises Proposal.DoesNotExist."""
    replies = replies.annotate(form_count=Count("forms"))
    proposal = (
        listing_rows(Proposal.objects.all(), replies).prefetch_related("co_signers").get(pk=pk)
    )
    shown = [reply for a in proposal.assignments.all() for reply in a.visible_replies]
    changes = outcome_class_changes([reply.pk for reply in shown])
    for reply in shown:
        reply.outcome_class_changes = changes.get(reply.pk, [])
    return proposal


@dataclass(frozen=True)
class OutcomeClassChange:
    """A change of a reply's outcome class made while it was published (codes as shown)."""

    changed_on: date
    old_code: str | None
    new_code: str | None
    reason: str


def outcome_class_changes(reply_ids: list[int]) -> dict[int, list[OutcomeClassChange]]:
    """The replies' changes of class made while they were published, oldest first, read
    from their history (one query; none without replies)."""
    if not reply_ids:
        return {}
    records = (
        ReplyLetter.history.filter(id__in=reply_ids)
        .order_by("id", "history_date", "history_id")
        .values_list(
            "id",
            "history_date",
            "is_published",
            "outcome_class_id",
            "outcome_class__code",
            "history_change_reason",
        )
    )
    changes = defaultdict(list)
    previous = None
    for record in records:
        reply_id, changed_at, _published, class_id, code, reason = record
        if previous and previous[0] == reply_id and previous[2] and previous[3] != class_id:
            change = OutcomeClassChange(
                timezone.localdate(changed_at), previous[4], code, reason or ""
            )
            changes[reply_id].append(change)
        previous = record
    return changes
