"""Writes that do more than save one row."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from offices.models import HandlingUnit
from offices.roles import SUPERVISORS_GROUP

from . import caching, links
from .letters.doc_numbers import split_doc_number
from .letters.reader import ParsedLetter
from .models import (
    DISCLOSURE_MARKS,
    Assignment,
    AssignmentRole,
    Disclosure,
    FormChannel,
    FormInvitation,
    OutcomeClass,
    Proposal,
    ProposalStatus,
    Proposer,
    ProposerKind,
    Rating,
    ReplyLetter,
    SatisfactionForm,
    Session,
    split_printed_number,
)
from .selectors import outcome_class_for

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


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


@dataclass
class ImportLookups:
    """The rows a run of imports finds by name (sessions, proposers, units, outcome classes),
    each read once however many letters name it: a thousand letters name a handful.

    A row an import adds is remembered only once its transaction commits, so that a file
    that fails leaves nothing behind, here as in the database."""

    rows: dict = field(default_factory=dict)

    def get[M: models.Model](self, key: tuple, find: Callable[[], tuple[M, bool]]) -> M:
        """The row for `key`; `find()` looks it up or adds it: (row, whether added)."""
        if key in self.rows:
            return self.rows[key]
        row, created = find()
        if created:
            transaction.on_commit(lambda: self.rows.setdefault(key, row))
        else:
            self.rows[key] = row
        return row


EMPTY = (None, "", [])


def _upsert[M: models.Model](
    model: type[M], lookup: dict, values: dict, *, overwrite: bool = True
) -> tuple[M, str]:
    """Find by `lookup` and bring to `values` (see _bring_to); created if not found."""
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        return model._default_manager.create(**(values | lookup)), CREATED
    return instance, _bring_to(instance, values, overwrite=overwrite)


def _bring_to(instance: models.Model, values: dict, *, overwrite: bool) -> str:
    """Save only what differs from `values`, so a re-run writes nothing. An empty value
    never erases a stored one (a letter that does not print the contact keeps the contact);
    with overwrite=False, only empty fields are filled. UPDATED or UNCHANGED."""
    changed = [
        name
        for name, value in values.items()
        if value not in EMPTY
        and getattr(instance, name) != value
        and (overwrite or getattr(instance, name) in EMPTY)
    ]
    for name in changed:
        setattr(instance, name, values[name])
    if changed:
        instance.save(update_fields=changed)
    return UPDATED if changed else UNCHANGED


def unknown_class_warning(code: str) -> str:
    return f"办理结果分类“{code}”不属于任何已设置的分类方案，未记录。"


def _outcome_class(
    code: str | None, warnings: list[str], lookups: ImportLookups
) -> OutcomeClass | None:
    if not code:
        return None
    found = lookups.get(("outcome class", code), lambda: (outcome_class_for(code), False))
    if found is None:
        warnings.append(unknown_class_warning(code))
    return found


def _printed_number(text: str) -> tuple[str, int, int]:
    if parts := split_printed_number(text):
        return parts
    raise LetterNotImportable(f"提案编号“{text}”无法识别。")


def _session(letter: ParsedLetter, digits: int) -> tuple[Session, bool]:
    """The session the letter names: the same committee's, else the one meeting of that term
    (letters name one committee in several ways: 市政协, 政协景德镇市…); added if none."""
    sessions = Session.objects.filter(term=letter.term, meeting=letter.meeting)
    session = sessions.filter(committee=letter.committee).first() or sessions.first()
    if session:
        return session, False
    year = letter.signed_on.year if letter.signed_on else letter.doc_year
    if year is None:
        raise LetterNotImportable("无法确定会议年份：函中没有成文日期，也没有文号年份。")
    committee = {"committee": letter.committee} if letter.committee else {}
    session = Session.objects.create(
        **committee, term=letter.term, meeting=letter.meeting, year=year, number_digits=digits
    )
    return session, True


def _unit(letter: ParsedLetter) -> tuple[HandlingUnit, bool]:
    """The signing unit, by its short or its full name; a unit never seen is added."""
    unit = HandlingUnit.objects.filter(Q(name=letter.unit) | Q(full_name=letter.unit)).first()
    if unit:
        return unit, False
    return HandlingUnit.objects.create(name=letter.unit, doc_prefix=letter.doc_prefix or ""), True


def _assignment(
    letter: ParsedLetter,
    proposal: Proposal,
    unit: HandlingUnit,
    warnings: list[str],
    *,
    new_proposal: bool,
) -> tuple[Assignment, bool]:
    """The proposal's assignment to the unit, and whether it was added (a proposal the
    import has just added has none yet)."""
    if not new_proposal:
        assignment = proposal.assignments.filter(unit=unit).first()
        if assignment:
            return assignment, False
    role = AssignmentRole.CO_HANDLING if letter.is_co_handling else AssignmentRole.LEAD
    if role == AssignmentRole.LEAD and not new_proposal:
        lead = proposal.assignments.filter(role=role).select_related("unit").first()
        if lead:
            warnings.append(f"该提案原由{lead.unit}主办，现按函增加{unit}为主办单位，请核对交办。")
    return Assignment.objects.create(proposal=proposal, unit=unit, role=role), True


def _proposer(letter: ParsedLetter, lookups: ImportLookups) -> Proposer:
    kind = ProposerKind.MEMBER if letter.proposer_is_member else ProposerKind.BODY
    proposer = lookups.get(
        ("proposer", letter.proposer_name, kind),
        lambda: Proposer.objects.get_or_create(name=letter.proposer_name, kind=kind),
    )
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
    *,
    letter: ParsedLetter,
    publish: bool = False,
    overwrite: bool = True,
    lookups: ImportLookups | None = None,
) -> LetterImport:
    """Create or update the records one reply letter describes: session, proposer, proposal,
    unit, assignment, the reply itself and the filled-in form where the letter carries one.

    Running it again on the same letter changes nothing; with overwrite=False it only adds
    what is missing, so edits made since in the admin survive. A run importing many letters
    passes the same `lookups` to each. Raises LetterNotImportable."""
    _check_importable(letter)
    lookups = lookups or ImportLookups()
    warnings = list(letter.warnings)
    prefix, number, digits = _printed_number(letter.proposal_number)
    session = lookups.get(
        ("session", letter.committee, letter.term, letter.meeting),
        lambda: _session(letter, digits),
    )
    proposer = _proposer(letter, lookups)
    proposal, new_proposal = Proposal.objects.get_or_create(
        session=session,
        number_prefix=prefix,
        number=number,
        defaults={
            "title": letter.proposal_title or letter.title or "",
            "proposer": proposer,
            "status": ProposalStatus.REPLIED,
        },
    )
    unit = lookups.get(("unit", letter.unit), lambda: _unit(letter))
    assignment, new_assignment = _assignment(
        letter, proposal, unit, warnings, new_proposal=new_proposal
    )
    values = _reply_values(letter, publish, warnings, lookups)
    reply, state = _reply(letter, assignment, values, overwrite, new_assignment=new_assignment)
    if state == CREATED:
        _proposal_answered(reply)
    if letter.form:
        form_state = _form(letter, reply, proposer, warnings, new_reply=state == CREATED)
        if state == UNCHANGED and form_state != UNCHANGED:
            state = UPDATED
    return LetterImport(reply=reply, state=state, warnings=warnings)


def _reply_values(letter, publish, warnings, lookups) -> dict:
    """The reply's fields, as the letter gives them."""
    doc = split_doc_number(letter.doc_number or "")
    values = {
        "outcome_class": _outcome_class(letter.outcome_class, warnings, lookups),
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
        "disclosure": DISCLOSURE_MARKS.get(letter.disclosure or "", ""),
    }
    if publish and values["disclosure"] == Disclosure.WITHHELD:
        warnings.append("函上标明“不予公开”，未公开。")
    elif publish:
        values["is_published"] = True
    return values


def _reply(
    letter, assignment, values, overwrite, *, new_assignment: bool
) -> tuple[ReplyLetter, str]:
    """The reply the letter is, brought to `values`: CREATED, UPDATED or UNCHANGED. An
    assignment the import has just added has no replies yet."""
    if letter.doc_number:
        _check_not_elsewhere(letter.doc_number, assignment)
        lookup = {"assignment": assignment, "doc_number": letter.doc_number}
    else:  # a letter without a number is known by its date: another date, another round
        lookup = {"assignment": assignment, "doc_number": "", "signed_on": letter.signed_on}
    reply = None if new_assignment else ReplyLetter.objects.filter(**lookup).first()
    if reply:
        return reply, _bring_to(reply, values, overwrite=overwrite)
    last = 0 if new_assignment else assignment.replies.aggregate(last=models.Max("round"))["last"]
    values = values | lookup | {"unit_id": assignment.unit_id, "round": (last or 0) + 1}
    return ReplyLetter.objects.create(**values), CREATED


def _check_not_elsewhere(doc_number: str, assignment: Assignment) -> None:
    """A document number the unit already used for another proposal: the letter or the
    record is wrong, and moving the reply (with its forms) would hide that."""
    elsewhere = (
        ReplyLetter.objects.filter(unit=assignment.unit_id, doc_number=doc_number)
        # Says what the unique index on (unit, document number) is limited to, so that
        # SQLite uses it rather than read every reply of the unit.
        .exclude(doc_number="")
        .exclude(assignment=assignment)
    )
    if not elsewhere.exists():  # the usual answer, asked without joins
        return
    other = elsewhere.select_related("assignment__proposal__session").first()
    raise LetterNotImportable(
        f"文号{doc_number}已登记为{other.assignment.proposal.session}"
        f"第{other.assignment.proposal.printed_number}号提案的答复，与函中的提案不符。"
    )


def _form(letter, reply, proposer, warnings, *, new_reply: bool) -> str:
    """The filled-in form a letter carries, entered as a paper form once: a form already
    there (online or paper) is the member's word and stays as it is."""
    form = letter.form
    if not (form.attitude_rating and form.result_rating):
        warnings.append("所附征询意见表未勾选评价，未记录。")
        return UNCHANGED
    if not new_reply and SatisfactionForm.objects.filter(reply=reply, rater=proposer).exists():
        return UNCHANGED
    SatisfactionForm.objects.create(
        reply=reply,
        rater=proposer,
        **{
            "attitude_rating": form.attitude_rating,
            "result_rating": form.result_rating,
            "comments": form.comments,
            "signature_name": form.signature_name,
            "signed_on": form.signed_on,
            "proposal_title_on_form": form.proposal_title or "",
            "channel": FormChannel.PAPER,
        },
    )
    return CREATED


# --- The member's satisfaction form: links, submission, voiding, re-handling --------------


class FormNotAccepted(Exception):
    """Why a form could not be taken; `reason` is one of the constants below."""

    ALREADY_SUBMITTED = "already_submitted"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"

    def __init__(self, reason: str, form: SatisfactionForm | None = None):
        super().__init__(reason)
        self.reason = reason
        self.form = form


def entitled_raters(proposal: Proposal) -> list[Proposer]:
    """Who may rate a reply to this proposal: the first proposer and each co-signer (a
    collective proposer rates through its contact person, at the body's address)."""
    return [proposal.proposer, *proposal.co_signers.order_by("pk")]


def invitation_unusable_reason(invitation: FormInvitation) -> str | None:
    """Why this link can no longer take a form, or None."""
    reply = invitation.reply
    if reply.withdrawn_at:
        return FormNotAccepted.WITHDRAWN
    if ReplyLetter.objects.filter(assignment=reply.assignment_id, round__gt=reply.round).exists():
        return FormNotAccepted.SUPERSEDED
    return None


def member_form_url(invitation: FormInvitation) -> str:
    token = links.link_token(invitation)
    return settings.SITE_URL + reverse("proposals:member-form", args=[token])


def _mail_link(invitation: FormInvitation) -> None:
    """Send the member's personal link, after the transaction commits."""
    reply = invitation.reply
    proposal = reply.assignment.proposal
    url = member_form_url(invitation)
    subject = gettext("请对%(unit)s的提案答复进行评价") % {"unit": reply.unit.name}
    body = gettext(
        "%(name)s：\n\n%(unit)s已答复您的提案《%(title)s》（%(session)s第%(number)s号）。"
        "请通过下面的个人链接填写征询意见表（办理态度、办理结果）：\n\n%(url)s\n\n"
        "这个链接只属于您，请勿转发；%(days)s天内有效。如有疑问，请联系%(contact)s。"
    ) % {
        "name": invitation.rater.contact_person or invitation.rater.name,
        "unit": reply.unit.name,
        "title": proposal.title,
        "session": proposal.session,
        "number": proposal.printed_number,
        "url": url,
        "days": settings.FORM_LINK_MAX_AGE_DAYS,
        "contact": settings.PROPOSALS_OFFICE_CONTACT,
    }
    email = invitation.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))


@transaction.atomic
def invitations_send(*, reply: ReplyLetter) -> list[FormInvitation]:
    """A personal link for everyone entitled to rate this reply, mailed to those with an
    e-mail address; running it again sends nothing new."""
    invitations = []
    for rater in entitled_raters(reply.assignment.proposal):
        invitation, created = FormInvitation.objects.get_or_create(
            reply=reply, rater=rater, defaults={"email": rater.email, "nonce": links.new_nonce()}
        )
        if created and invitation.email:
            _mark_sent(invitation)
        invitations.append(invitation)
    return invitations


@transaction.atomic
def invitation_resend(*, invitation: FormInvitation) -> bool:
    """Mail the link again with a new nonce, so that any earlier link stops working; to the
    rater's current address. False where there is no address to send it to."""
    invitation.email = invitation.rater.email
    if not invitation.email:
        invitation.save(update_fields=["email"])
        return False
    invitation.nonce = links.new_nonce()
    _mark_sent(invitation)
    return True


def _mark_sent(invitation: FormInvitation) -> None:
    invitation.sent_at = timezone.now()
    invitation.send_count += 1
    invitation.save(update_fields=["email", "nonce", "sent_at", "send_count"])
    _mail_link(invitation)


@transaction.atomic
def form_submit(
    *,
    invitation: FormInvitation,
    attitude_rating: str,
    result_rating: str,
    comments: str,
    signature_name: str,
) -> SatisfactionForm:
    """The member's own form, through their link. Exactly one valid form per person and
    reply, however many requests arrive at once. Raises FormNotAccepted."""
    # Requests for one link queue here, so the check below sees the winner's row.
    invitation = FormInvitation.objects.select_for_update().get(pk=invitation.pk)
    reason = invitation_unusable_reason(invitation)
    if reason:
        raise FormNotAccepted(reason)
    existing = SatisfactionForm.objects.valid().filter(
        reply=invitation.reply_id, rater=invitation.rater_id
    )
    if existing.exists():
        raise FormNotAccepted(FormNotAccepted.ALREADY_SUBMITTED, existing.first())
    reply = invitation.reply
    try:
        with transaction.atomic():
            form = SatisfactionForm.objects.create(
                reply=reply,
                rater=invitation.rater,
                attitude_rating=attitude_rating,
                result_rating=result_rating,
                comments=comments,
                signature_name=signature_name,
                signed_on=timezone.localdate(),
                proposal_title_on_form=reply.proposal_title or reply.assignment.proposal.title,
                channel=FormChannel.ONLINE,
                invitation=invitation,
            )
    except IntegrityError:  # SQLite has no row locks: the constraint decides
        raise FormNotAccepted(FormNotAccepted.ALREADY_SUBMITTED, existing.first()) from None
    rehandling_open_if_dissatisfied(form=form)
    return form


@transaction.atomic
def form_void(*, form: SatisfactionForm, by, reason: str) -> SatisfactionForm:
    """A supervisor voids a form, giving a reason; the form stays, marked and uncounted."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"void_reason": gettext("作废须写明理由。")})
    if form.voided_at:
        raise ValidationError(gettext("这份征询意见表已作废。"))
    form.voided_at = timezone.now()
    form.voided_by = by
    form.void_reason = reason
    form.save(update_fields=["voided_at", "voided_by", "void_reason"])
    return form


@transaction.atomic
def reply_withdraw(*, reply: ReplyLetter, reason: str) -> ReplyLetter:
    """A reply sent by mistake: its form links stop working; the row and its forms stay."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"withdrawn_reason": gettext("撤回须写明理由。")})
    reply.withdrawn_at = timezone.now()
    reply.withdrawn_reason = reason
    reply.is_published = False
    reply.save(update_fields=["withdrawn_at", "withdrawn_reason", "is_published"])
    return reply


def rehandling_open_if_dissatisfied(*, form: SatisfactionForm) -> bool:
    """不满意 for attitude or result reopens the assignment: a new round is due within
    REHANDLING_DUE_MONTHS, the proposal shows re-handling, supervisors are told. True if
    this form opened it (a second dissatisfied form for the same round opens nothing)."""
    dissatisfied = Rating.DISSATISFIED
    if dissatisfied not in (form.attitude_rating, form.result_rating):
        return False
    reply = form.reply
    assignment = Assignment.objects.select_for_update().get(pk=reply.assignment_id)
    next_round = reply.round + 1
    already_open = (assignment.rehandling_round or 0) >= next_round
    if already_open or assignment.replies.filter(round__gte=next_round).exists():
        return False
    today = timezone.localdate()
    assignment.rehandling_round = next_round
    assignment.rehandling_due_on = today + relativedelta(months=settings.REHANDLING_DUE_MONTHS)
    assignment.save(update_fields=["rehandling_round", "rehandling_due_on"])
    Proposal.objects.filter(pk=assignment.proposal_id).update(status=ProposalStatus.REHANDLING)
    caching.data_changed()  # update() sends no signal
    _notify_supervisors(form, assignment)
    return True


def _notify_supervisors(form: SatisfactionForm, assignment: Assignment) -> None:
    proposal = assignment.proposal
    recipients = list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=SUPERVISORS_GROUP))
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if not recipients:
        return
    subject = gettext("不满意：%(session)s第%(number)s号提案需重新办理") % {
        "session": proposal.session,
        "number": proposal.printed_number,
    }
    body = gettext(
        "%(rater)s对%(unit)s的答复（%(doc)s）评价为：办理态度%(attitude)s，办理结果%(result)s。\n"
        "该交办已转为重新办理，第%(round)s轮答复期限为%(due)s。\n\n提案：%(title)s"
    ) % {
        "rater": form.rater,
        "unit": assignment.unit.name,
        "doc": form.reply.doc_number or form.reply.title,
        "attitude": form.get_attitude_rating_display(),
        "result": form.get_result_rating_display(),
        "round": assignment.rehandling_round,
        "due": assignment.rehandling_due_on.isoformat(),
        "title": proposal.title,
    }
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients))


@transaction.atomic
def reply_logged(*, reply: ReplyLetter) -> None:
    """After a unit logs a reply in the admin: the proposal reads as replied (the end of a
    re-handling too) and the raters get their links for this round."""
    _proposal_answered(reply)
    invitations_send(reply=reply)


def _proposal_answered(reply: ReplyLetter) -> None:
    """The proposal reads as replied, unless another unit still owes a re-handled reply."""
    answered = {ProposalStatus.ASSIGNED, ProposalStatus.REGISTERED, ProposalStatus.REHANDLING}
    proposal = reply.assignment.proposal
    if proposal.status in answered and not _still_rehandling(proposal, reply):
        Proposal.objects.filter(pk=proposal.pk).update(status=ProposalStatus.REPLIED)
        caching.data_changed()  # update() sends no signal


def _still_rehandling(proposal: Proposal, reply: ReplyLetter) -> bool:
    """Another of the proposal's assignments still owes a re-handled reply."""
    pending = proposal.assignments.exclude(pk=reply.assignment_id).filter(
        rehandling_round__isnull=False
    )
    return any(
        not assignment.replies.filter(round__gte=assignment.rehandling_round).exists()
        for assignment in pending
    )
