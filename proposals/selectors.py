"""Reads shared by the admin, the commands, the pages, the exports and the API."""

from django.db.models import Case, Count, Max, Prefetch, QuerySet, When

from .models import (
    Assignment,
    AssignmentRole,
    Proposal,
    ProposerKind,
    ReplyLetter,
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
    forms returned on it. Raises Proposal.DoesNotExist."""
    replies = replies.annotate(form_count=Count("forms"))
    return listing_rows(Proposal.objects.all(), replies).prefetch_related("co_signers").get(pk=pk)
