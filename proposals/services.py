"""Writes that do more than save one row."""

import re
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models, transaction

from offices.models import HandlingUnit

from .letters.doc_numbers import split_doc_number
from .letters.reader import ParsedLetter
from .models import (
    Assignment,
    AssignmentRole,
    FormChannel,
    OutcomeClass,
    Proposal,
    ProposalStatus,
    Proposer,
    ProposerKind,
    ReplyLetter,
    SatisfactionForm,
    Session,
)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"

# A printed proposal number: optional letters/year before the digits (D022, 2025D048).
PRINTED_NUMBER = re.compile(r"^(?P<prefix>.*?[A-Za-z])?(?P<digits>\d+)$")


def assignment_default_due_on(assigned_on: date) -> date:
    """Replies are due three months (REPLY_DUE_MONTHS) after assignment."""
    return assigned_on + relativedelta(months=settings.REPLY_DUE_MONTHS)


@dataclass
class LetterImport:
    """What importing one letter did: the reply row, and created / updated / unchanged."""

    reply: ReplyLetter
    state: str
    warnings: list[str] = field(default_factory=list)


class LetterNotImportable(ValueError):
    """The letter lacks what a record needs (the session, the proposal number, the unit…)."""


def _upsert[M: models.Model](
    model: type[M], lookup: dict, values: dict, *, overwrite: bool = True
) -> tuple[M, str]:
    """Find by `lookup` and bring to `values`, saving only what differs, so a re-run writes
    nothing. With overwrite=False, only empty fields are filled: what people changed stays."""
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        return model._default_manager.create(**lookup, **values), CREATED
    changed = [
        name
        for name, value in values.items()
        if getattr(instance, name) != value
        and (overwrite or getattr(instance, name) in (None, "", []))
    ]
    for name in changed:
        setattr(instance, name, values[name])
    if changed:
        instance.save(update_fields=changed)
    return instance, UPDATED if changed else UNCHANGED


def _outcome_class(code: str | None, warnings: list[str]) -> OutcomeClass | None:
    if not code:
        return None
    # The default scheme first: a code such as "A" may exist in several schemes.
    found = OutcomeClass.objects.filter(code=code).order_by("-scheme__is_default").first()
    if found is None:
        warnings.append(f"办理结果分类“{code}”不属于任何已设置的分类方案，未记录。")
    return found


def _printed_number(text: str) -> tuple[str, int, int]:
    """'010' → ('', 10, 3 digits printed); 'D022' → ('D', 22, 3); '2024159' → ('', 2024159, 7)."""
    match = PRINTED_NUMBER.match(text)
    if not match:
        raise LetterNotImportable(f"提案编号“{text}”无法识别。")
    return match["prefix"] or "", int(match["digits"]), len(match["digits"])


def _session(letter: ParsedLetter, digits: int) -> Session:
    session = Session.objects.filter(
        committee=letter.committee, term=letter.term, meeting=letter.meeting
    ).first()
    if session:
        return session
    year = letter.signed_on.year if letter.signed_on else letter.doc_year
    if year is None:
        raise LetterNotImportable("无法确定会议年份：函中没有成文日期，也没有文号年份。")
    return Session.objects.create(
        committee=letter.committee,
        term=letter.term,
        meeting=letter.meeting,
        year=year,
        number_digits=digits,
    )


def _proposer(letter: ParsedLetter) -> Proposer:
    kind = ProposerKind.MEMBER if letter.proposer_is_member else ProposerKind.BODY
    proposer, _ = Proposer.objects.get_or_create(name=letter.proposer_name, kind=kind)
    if letter.form:
        _upsert(
            Proposer,
            {"pk": proposer.pk},
            {
                "address": letter.form.proposer_address or "",
                "phone": letter.form.proposer_phone or "",
            },
            overwrite=False,
        )
    return proposer


def _check_importable(letter: ParsedLetter) -> None:
    missing = [
        label
        for label, value in [
            ("会议届次", letter.term),
            ("会议次数", letter.meeting),
            ("提案编号", letter.proposal_number),
            ("提案者", letter.proposer_name),
            ("落款单位", letter.unit),
        ]
        if not value
    ]
    if missing:
        raise LetterNotImportable("函中缺少：" + "、".join(missing))


@transaction.atomic
def letter_import(
    *, letter: ParsedLetter, publish: bool = False, overwrite: bool = True
) -> LetterImport:
    """Create or update the records one reply letter describes: session, proposer, proposal,
    unit, assignment, the reply itself and the filled-in form where the letter carries one.

    Running it again on the same letter changes nothing; with overwrite=False it only adds
    what is missing, so edits made since in the admin survive. Raises LetterNotImportable."""
    _check_importable(letter)
    warnings = list(letter.warnings)
    prefix, number, digits = _printed_number(letter.proposal_number)
    session = _session(letter, digits)
    proposer = _proposer(letter)
    proposal, _ = Proposal.objects.get_or_create(
        session=session,
        number_prefix=prefix,
        number=number,
        defaults={
            "title": letter.proposal_title or letter.title or "",
            "proposer": proposer,
            "status": ProposalStatus.REPLIED,
        },
    )
    unit, _ = HandlingUnit.objects.get_or_create(
        name=letter.unit, defaults={"doc_prefix": letter.doc_prefix or ""}
    )
    role = AssignmentRole.CO_HANDLING if letter.is_co_handling else AssignmentRole.LEAD
    assignment, _ = Assignment.objects.get_or_create(
        proposal=proposal, unit=unit, defaults={"role": role}
    )
    reply, state = _reply(letter, assignment, publish, overwrite, warnings)
    if letter.form:
        form_state = _form(letter, reply, proposer, overwrite, warnings)
        if state == UNCHANGED and form_state != UNCHANGED:
            state = UPDATED
    return LetterImport(reply=reply, state=state, warnings=warnings)


def _reply(letter, assignment, publish, overwrite, warnings) -> tuple[ReplyLetter, str]:
    doc = split_doc_number(letter.doc_number or "")
    values = {
        "outcome_class": _outcome_class(letter.outcome_class, warnings),
        "doc_year": doc.year if doc else None,
        "doc_sequence": doc.sequence if doc else None,
        "title": letter.title or "",
        "addressee": letter.addressee or "",
        "proposal_title": letter.proposal_title or "",
        "body": letter.body,
        "signing_unit": letter.unit,
        "signed_on": letter.signed_on,
        "signer": letter.signer or "",
        "copied_to": letter.copied_to,
        "contact_name": letter.contact_name or "",
        "contact_phone": letter.contact_phone or "",
    }
    if letter.doc_number:
        lookup = {"unit": assignment.unit, "doc_number": letter.doc_number}
        existing = ReplyLetter.objects.filter(**lookup).first()
        values["assignment"] = assignment
        if existing is None:
            values["round"] = (assignment.replies.count() or 0) + 1
    else:
        lookup = {"assignment": assignment, "round": 1}
        values["unit"] = assignment.unit
    if publish:
        values["is_published"] = True
    return _upsert(ReplyLetter, lookup, values, overwrite=overwrite)


def _form(letter, reply, proposer, overwrite, warnings) -> str:
    form = letter.form
    if not (form.attitude_rating and form.result_rating):
        warnings.append("所附征询意见表未勾选评价，未记录。")
        return UNCHANGED
    _, state = _upsert(
        SatisfactionForm,
        {"reply": reply, "rater": proposer},
        {
            "attitude_rating": form.attitude_rating,
            "result_rating": form.result_rating,
            "comments": form.comments,
            "signature_name": form.signature_name,
            "signed_on": form.signed_on,
            "proposal_title_on_form": form.proposal_title or "",
            "channel": FormChannel.PAPER,
        },
        overwrite=overwrite,
    )
    return state
