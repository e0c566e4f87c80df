"""Reads shared by the admin, the commands and (later) the public pages."""

from django.db.models import Max

from .models import Assignment, AssignmentRole, ProposerKind, ReplyLetter

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
