"""Writes that do more than save one row."""

from collections import defaultdict
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

from . import caching, history, links
from .letters.doc_numbers import split_doc_number
from .letters.reader import ParsedLetter
from .models import (
    DISCLOSURE_MARKS,
    NEXT_VERSION,
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
    """The rows a run of imports finds by name (sessions, units, proposers, outcome classes),
    each read once however many letters name it: a thousand letters name a handful.

    A row an import adds is remembered only once its transaction commits, so that a file
    that fails leaves nothing behind, here as in the database."""

    rows: dict = field(default_factory=dict)

    def get(self, key: tuple, find: Callable[[], object]) -> object:
        """The row for `key`, found by `find()` the first time."""
        if key not in self.rows:
            self.rows[key] = find()
        return self.rows[key]

    def added(self, key: tuple, row: models.Model) -> None:
        """A row the current transaction added (or will insert before it commits)."""
        transaction.on_commit(lambda: self.rows.setdefault(key, row))


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
    if changed and isinstance(instance, ReplyLetter):  # see ReplyLetter.version
        instance.version = NEXT_VERSION
        changed.append("version")
    if changed:
        instance.save(update_fields=changed)
    return UPDATED if changed else UNCHANGED


def unknown_class_warning(code: str) -> str:
    return f"办理结果分类“{code}”不属于任何已设置的分类方案，未记录。"


def _printed_number(text: str) -> tuple[str, int, int]:
    if parts := split_printed_number(text):
        return parts
    raise LetterNotImportable(f"提案编号“{text}”无法识别。")


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


def _find_session(letter: ParsedLetter) -> Session | None:
    """The session the letter names: the same committee's, else the one meeting of that term
    (letters name one committee in several ways: 市政协, 政协景德镇市…)."""
    sessions = Session.objects.filter(term=letter.term, meeting=letter.meeting)
    return sessions.filter(committee=letter.committee).first() or sessions.first()


def _session_year(letter: ParsedLetter) -> int:
    """The year of a session the letter is the first to name: its date's, else its
    document number's."""
    year = letter.signed_on.year if letter.signed_on else letter.doc_year
    if year is None:
        raise LetterNotImportable("无法确定会议年份：函中没有成文日期，也没有文号年份。")
    return year


def _find_unit(letter: ParsedLetter) -> HandlingUnit | None:
    """The signing unit, by its short or its full name."""
    return HandlingUnit.objects.filter(Q(name=letter.unit) | Q(full_name=letter.unit)).first()


def _proposer_key(letter: ParsedLetter) -> tuple:
    kind = ProposerKind.MEMBER if letter.proposer_is_member else ProposerKind.BODY
    return ("proposer", letter.proposer_name, kind)


def _same(row: models.Model | None, other: models.Model) -> bool:
    return row is other or (row is not None and row.pk is not None and row.pk == other.pk)


@transaction.atomic
def letters_import(
    letters: list[ParsedLetter],
    *,
    publish: bool = False,
    overwrite: bool = True,
    lookups: ImportLookups | None = None,
    reasons: list[str] | None = None,
) -> list[LetterImport | LetterNotImportable]:
    """Create or update the records the letters describe, in order, as letter_import would
    one by one, in a few statements for them all: what they name is read at once, and the
    rows they add are inserted together.

    A letter that lacks what a record needs gets its LetterNotImportable in the list and
    writes nothing; any other error rolls all of them back (import them one by one to know
    which). A run importing many letters passes the same `lookups` to each call. `reasons`,
    one a letter (e.g. "import_letters <file>"), are the change reasons the audit trail keeps
    for what each letter writes."""
    batch = LetterBatch(publish=publish, overwrite=overwrite, lookups=lookups)
    return batch.run(letters, reasons or [None] * len(letters))


def letter_import(
    *,
    letter: ParsedLetter,
    publish: bool = False,
    overwrite: bool = True,
    lookups: ImportLookups | None = None,
    reason: str | None = None,
) -> LetterImport:
    """Create or update the records one reply letter describes: session, proposer, proposal,
    unit, assignment, the reply itself and the filled-in form where the letter carries one.

    Running it again on the same letter changes nothing; with overwrite=False it only adds
    what is missing, so edits made since in the admin survive. Raises LetterNotImportable."""
    (result,) = letters_import(
        [letter], publish=publish, overwrite=overwrite, lookups=lookups, reasons=[reason]
    )
    if isinstance(result, LetterNotImportable):
        raise result
    return result


# The statuses a reply turns into 已答复 (see _proposal_answered, LetterBatch.answered).
ANSWERED = {ProposalStatus.ASSIGNED, ProposalStatus.REGISTERED, ProposalStatus.REHANDLING}
# The rows a batch inserts, in the order their foreign keys need.
BATCH_MODELS = [Proposer, Proposal, Assignment, ReplyLetter, SatisfactionForm]


class LetterBatch:
    """The import of a list of letters (see letters_import).

    It holds, for the proposals, assignments and document numbers the letters name, every row
    the database has (read once: `fetch`) and every row the batch adds: the proposers,
    proposals, assignments, replies and forms it adds wait in `pending` until `flush`
    inserts them (at the end, or before a step that reads them from the database). Sessions
    and units, a handful in a run, are inserted at once."""

    def __init__(self, *, publish: bool, overwrite: bool, lookups: ImportLookups | None):
        self.publish, self.overwrite = publish, overwrite
        self.lookups = lookups or ImportLookups()
        self.added = {}  # lookup key -> a row this batch added
        self.missing = set()  # lookup keys the database has no row for
        self.new = set()  # (model, pk) of the sessions and units this batch added
        self.proposals = {}  # (session pk, prefix, number) -> Proposal, or None: not there
        self.assignments = {}  # proposal key -> its assignments, the batch's first
        self.replies = {}  # (proposal key, unit pk) -> the assignment's replies, by id
        self.numbered = {}  # (unit pk, document number) -> the reply, or None: not there
        self.pending = defaultdict(list)  # model -> rows to insert
        self.replied = []  # proposals to mark replied

    def run(self, letters: list[ParsedLetter], reasons: list[str | None]) -> list:
        self.fetch(letters)
        results = []
        for letter, reason in zip(letters, reasons, strict=True):
            try:
                with history.reason(reason):
                    results.append(self.letter(letter))
            except LetterNotImportable as error:
                results.append(error)
        self.flush()
        return results

    # --- reading

    def row(self, key: tuple, find: Callable[[], models.Model | None]):
        """The session, unit or proposer the key names, None while there is none."""
        if key in self.added:
            return self.added[key]
        if key in self.missing:
            return None
        if key in self.lookups.rows:
            return self.lookups.rows[key]
        row = find()
        if row is None:
            self.missing.add(key)
        elif (type(row), row.pk) in self.new:  # added under another name: the run keeps it
            self.add(key, row)  # once committed
        else:
            self.lookups.rows[key] = row
        return row

    def add(self, key: tuple, row: models.Model) -> None:
        self.added[key] = row
        self.missing.discard(key)
        self.lookups.added(key, row)

    def fetch(self, letters: list[ParsedLetter]) -> None:
        """Read what the letters name and the batch does not know yet, a statement a kind."""
        named = []
        for letter in letters:
            try:
                _check_importable(letter)
                prefix, number, _digits = _printed_number(letter.proposal_number)
            except LetterNotImportable:
                continue
            session = self.session(letter)
            unit = self.unit(letter)
            proposal_key = (session.pk, prefix, number) if session else None
            named.append((letter, proposal_key, unit))
        self.fetch_proposers({_proposer_key(letter) for letter, _key, _unit in named})
        proposal_keys = {key for _letter, key, _unit in named if key}
        self.fetch_proposals(proposal_keys - self.proposals.keys())
        found = [self.proposals[key] for key in proposal_keys if self.proposals[key]]
        self.fetch_assignments([p for p in found if self.key(p) not in self.assignments])
        numbers = {
            (unit.pk, letter.doc_number)
            for letter, _key, unit in named
            if unit and letter.doc_number
        }
        assignments = [
            assignment
            for proposal in found
            for assignment in self.assignments[self.key(proposal)]
            if self.assignment_key(assignment) not in self.replies
        ]
        self.fetch_replies(assignments, numbers - self.numbered.keys())

    def session(self, letter: ParsedLetter) -> Session | None:
        key = ("session", letter.committee, letter.term, letter.meeting)
        return self.row(key, lambda: _find_session(letter))

    def unit(self, letter: ParsedLetter) -> HandlingUnit | None:
        return self.row(("unit", letter.unit), lambda: _find_unit(letter))

    def fetch_proposers(self, keys: set[tuple]) -> None:
        keys = {
            key
            for key in keys
            if key not in self.added and key not in self.missing and key not in self.lookups.rows
        }
        if not keys:
            return
        names = {name for _tag, name, _kind in keys}
        for proposer in Proposer.objects.filter(name__in=names).order_by("pk"):
            key = ("proposer", proposer.name, proposer.kind)
            if key in keys:
                self.lookups.rows.setdefault(key, proposer)
        self.missing |= {key for key in keys if key not in self.lookups.rows}

    @staticmethod
    def key(proposal: Proposal) -> tuple:
        return (proposal.session_id, proposal.number_prefix, proposal.number)

    def assignment_key(self, assignment: Assignment) -> tuple:
        return (self.key(assignment.proposal), assignment.unit_id)

    def fetch_proposals(self, keys: set[tuple]) -> None:
        if not keys:
            return
        self.proposals |= dict.fromkeys(keys)
        keys = {key for key in keys if (Session, key[0]) not in self.new}
        if not keys:
            return
        candidates = Proposal.objects.order_by().filter(
            session__in={session for session, _prefix, _number in keys},
            number__in={number for _session, _prefix, number in keys},
        )
        for proposal in candidates:
            if self.key(proposal) in keys:
                self.proposals[self.key(proposal)] = proposal

    def fetch_assignments(self, proposals: list[Proposal]) -> None:
        if not proposals:
            return
        by_pk = {proposal.pk: proposal for proposal in proposals}
        for proposal in proposals:
            self.assignments[self.key(proposal)] = []
        for assignment in Assignment.objects.filter(proposal__in=by_pk).select_related("unit"):
            assignment.proposal = by_pk[assignment.proposal_id]
            self.assignments[self.key(assignment.proposal)].append(assignment)

    def fetch_replies(self, assignments: list[Assignment], numbers: set[tuple]) -> None:
        """The replies of the assignments, and those holding the document numbers."""
        if not (assignments or numbers):
            return
        ours = {assignment.pk: assignment for assignment in assignments}
        for assignment in assignments:
            self.replies[self.assignment_key(assignment)] = []
        self.numbered |= dict.fromkeys(numbers)
        numbers = {number for number in numbers if (HandlingUnit, number[0]) not in self.new}
        if not (ours or numbers):
            return
        wanted = Q(assignment__in=ours)
        if numbers:
            wanted |= Q(
                unit__in={unit for unit, _number in numbers},
                doc_number__in={number for _unit, number in numbers},
            )
        replies = ReplyLetter.objects.filter(wanted).select_related(
            "assignment__proposal__session",
            "outcome_class",  # compared by _bring_to
        )
        for reply in replies.order_by("id"):
            if reply.assignment_id in ours:
                reply.assignment = ours[reply.assignment_id]
                self.replies[self.assignment_key(reply.assignment)].append(reply)
            if (reply.unit_id, reply.doc_number) in numbers:
                self.numbered[(reply.unit_id, reply.doc_number)] = reply

    # --- one letter

    def letter(self, letter: ParsedLetter) -> LetterImport:
        """Find what the letter names, check it (LetterNotImportable, nothing written), then
        add what is missing."""
        _check_importable(letter)
        prefix, number, digits = _printed_number(letter.proposal_number)
        self.fetch([letter])  # all known already, unless an earlier letter added its session
        session = self.session(letter)
        year = None if session else _session_year(letter)
        unit = self.unit(letter)
        proposal = self.proposals[(session.pk, prefix, number)] if session else None
        assignment = self.assignment_of(proposal, unit) if proposal and unit else None
        reply = self.reply_of(letter, assignment, unit) if unit else None

        warnings = list(letter.warnings)
        if session is None:
            committee = {"committee": letter.committee} if letter.committee else {}
            session = Session.objects.create(
                **committee,
                term=letter.term,
                meeting=letter.meeting,
                year=year,
                number_digits=digits,
            )
            self.add(("session", letter.committee, letter.term, letter.meeting), session)
            self.new.add((Session, session.pk))
            # Another name of its committee finds it too (see _find_session).
            self.missing = {key for key in self.missing if key[0] != "session"}
        if unit is None:
            unit = HandlingUnit.objects.create(name=letter.unit, doc_prefix=letter.doc_prefix or "")
            self.add(("unit", letter.unit), unit)
            self.new.add((HandlingUnit, unit.pk))
        proposer = self.proposer(letter)
        new_proposal = proposal is None
        if new_proposal:
            proposal = self.new_proposal(letter, session, prefix, number, proposer)
        if assignment is None:
            assignment = self.new_assignment(letter, proposal, unit, warnings, new_proposal)
        values = _reply_values(letter, self.publish, warnings, self.lookups)
        _keep_published_class(reply, values, warnings)
        reply, state = self._reply(letter, assignment, reply, values)
        if state == CREATED:
            self.answered(proposal, assignment)
        if letter.form:
            form_state = self.form(letter, reply, proposer, warnings, new_reply=state == CREATED)
            if state == UNCHANGED and form_state != UNCHANGED:
                state = UPDATED
        return LetterImport(reply=reply, state=state, warnings=warnings)

    def assignment_of(self, proposal: Proposal, unit: HandlingUnit) -> Assignment | None:
        assignments = self.assignments[self.key(proposal)]
        return next((a for a in assignments if a.unit_id == unit.pk), None)

    def reply_of(self, letter, assignment, unit) -> ReplyLetter | None:
        """The reply the letter is, if there: by its document number, else (a letter without
        a number is known by its date: another date, another round) by its date. A document
        number the unit already used for another proposal: the letter or the record is wrong,
        and moving the reply (with its forms) would hide that."""
        if not letter.doc_number:
            replies = self.replies[self.assignment_key(assignment)] if assignment else []
            same_day = [
                r for r in replies if r.doc_number == "" and r.signed_on == letter.signed_on
            ]
            return same_day[-1] if same_day else None
        reply = self.numbered.get((unit.pk, letter.doc_number))
        if reply is None or _same(assignment, reply.assignment):
            return reply
        proposal = reply.assignment.proposal
        raise LetterNotImportable(
            f"文号{letter.doc_number}已登记为{proposal.session}"
            f"第{proposal.printed_number}号提案的答复，与函中的提案不符。"
        )

    def proposer(self, letter: ParsedLetter) -> Proposer:
        key = _proposer_key(letter)
        proposer = self.row(key, lambda: None)
        if proposer is None:
            proposer = Proposer(name=letter.proposer_name, kind=key[2])
            self.pend(proposer)
            self.add(key, proposer)
        if letter.form:
            if proposer.pk is None:
                self.flush()
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

    def new_proposal(self, letter, session, prefix, number, proposer) -> Proposal:
        proposal = Proposal(
            session=session,
            number_prefix=prefix,
            number=number,
            title=letter.proposal_title or letter.title or "",
            proposer=proposer,
            status=ProposalStatus.REPLIED,
        )
        self.pend(proposal)
        self.proposals[self.key(proposal)] = proposal
        self.assignments[self.key(proposal)] = []
        return proposal

    def new_assignment(self, letter, proposal, unit, warnings, new_proposal) -> Assignment:
        """The proposal's assignment to the unit; a second lead is warned about."""
        role = AssignmentRole.CO_HANDLING if letter.is_co_handling else AssignmentRole.LEAD
        assignments = self.assignments[self.key(proposal)]
        lead = next((a for a in assignments if a.role == AssignmentRole.LEAD), None)
        if role == AssignmentRole.LEAD and lead and not new_proposal:
            warnings.append(f"该提案原由{lead.unit}主办，现按函增加{unit}为主办单位，请核对交办。")
        assignment = Assignment(proposal=proposal, unit=unit, role=role)
        self.pend(assignment)
        assignments.insert(0, assignment)
        self.replies[self.assignment_key(assignment)] = []
        return assignment

    def _reply(self, letter, assignment, reply, values) -> tuple[ReplyLetter, str]:
        """The reply the letter is, brought to `values`: CREATED, UPDATED or UNCHANGED."""
        if reply:
            if reply.pk is None:  # added by an earlier letter of the batch
                self.flush()
            return reply, _bring_to(reply, values, overwrite=self.overwrite)
        replies = self.replies[self.assignment_key(assignment)]
        reply = ReplyLetter(
            **values,
            assignment=assignment,
            unit=assignment.unit,
            doc_number=letter.doc_number or "",
            round=max((r.round for r in replies), default=0) + 1,
        )
        self.pend(reply)
        replies.append(reply)
        if letter.doc_number:
            self.numbered[(assignment.unit.pk, letter.doc_number)] = reply
        return reply, CREATED

    def form(self, letter, reply, proposer, warnings, *, new_reply: bool) -> str:
        """The filled-in form a letter carries, entered as a paper form once: a form already
        there (online or paper) is the member's word and stays as it is."""
        form = letter.form
        if not (form.attitude_rating and form.result_rating):
            warnings.append("所附征询意见表未勾选评价，未记录。")
            return UNCHANGED
        if not new_reply:  # the reply and the proposer are in the database (see _reply)
            self.flush()
            if SatisfactionForm.objects.filter(reply=reply, rater=proposer).exists():
                return UNCHANGED
        self.pend(
            SatisfactionForm(
                reply=reply,
                rater=proposer,
                attitude_rating=form.attitude_rating,
                result_rating=form.result_rating,
                comments=form.comments,
                signature_name=form.signature_name,
                signed_on=form.signed_on,
                proposal_title_on_form=form.proposal_title or "",
                channel=FormChannel.PAPER,
            )
        )
        return CREATED

    # --- writing

    def answered(self, proposal: Proposal, assignment: Assignment) -> None:
        """The proposal reads as replied, unless another unit still owes a re-handled reply
        (as _proposal_answered, from the rows the batch holds: all of the proposal's)."""
        if proposal.status not in ANSWERED:
            return
        others = [a for a in self.assignments[self.key(proposal)] if a is not assignment]
        if not any(self.owes_rehandled_reply(other) for other in others):
            proposal.status = ProposalStatus.REPLIED
            proposal._change_reason = history.current_reason()
            self.replied.append(proposal)

    def owes_rehandled_reply(self, assignment: Assignment) -> bool:
        due = assignment.rehandling_round
        replies = self.replies[self.assignment_key(assignment)]
        return due is not None and not any(reply.round >= due for reply in replies)

    def pend(self, row: models.Model) -> None:
        """A row to insert at the next flush, with the reason its history will keep."""
        row._change_reason = history.current_reason()
        self.pending[type(row)].append(row)

    def flush(self) -> None:
        """Insert the rows the batch added, a statement a table, and mark the proposals
        replied (bulk_create and update() send no signals: their history is written here, a
        statement a table, and the cached pages are retired once, for them all)."""
        if not (self.pending or self.replied):
            return
        for model in BATCH_MODELS:
            if rows := self.pending.pop(model, None):
                model.objects.bulk_create(rows)
                history.record_created(rows)
        if self.replied:
            replied = {proposal.pk: proposal for proposal in self.replied}
            Proposal.objects.filter(pk__in=replied).update(status=ProposalStatus.REPLIED)
            history.record_changed(replied.values())
            self.replied = []
        caching.data_changed()


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


def _keep_published_class(reply: ReplyLetter | None, values: dict, warnings: list[str]) -> None:
    """A published reply's outcome class changes only in the admin, with a reason that the
    public page shows: a letter imported again leaves it as it is, and says so."""
    letter_class = values.get("outcome_class")
    if reply is None or reply.pk is None or not reply.is_published or letter_class is None:
        return
    if letter_class.pk != reply.outcome_class_id:
        del values["outcome_class"]
        kept = reply.outcome_class.code if reply.outcome_class else "未分类"
        warnings.append(
            f"答复函已公开，办理结果分类仍为{kept}（函中为{letter_class.code}）："
            "如需调整，请在后台修改并写明理由。"
        )


def _outcome_class(
    code: str | None, warnings: list[str], lookups: ImportLookups
) -> OutcomeClass | None:
    if not code:
        return None
    found = lookups.get(("outcome class", code), lambda: outcome_class_for(code))
    if found is None:
        warnings.append(unknown_class_warning(code))
    return found


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
    form._history_user, form._change_reason = by, reason  # the audit trail's who and why
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
    reply._change_reason = reason
    reply.version = NEXT_VERSION
    reply.save(update_fields=["withdrawn_at", "withdrawn_reason", "is_published", "version"])
    return reply


class ReplyChanged(Exception):
    """The reply was saved by someone else since it was loaded; nothing was written."""


# No savepoint of its own: in the admin's transaction (ReplyChanged rolls it back), two
# statements fewer.
@transaction.atomic(savepoint=False)
def reply_save(*, reply: ReplyLetter, loaded_version: int) -> ReplyLetter:
    """Save the reply as edited, if it is still at the version it was loaded with; else raise
    ReplyChanged. The conditional UPDATE that claims the next version holds the row until the
    transaction ends: of two saves of one version exactly one wins, even when both checked
    the version before either wrote."""
    claimed = ReplyLetter.objects.filter(pk=reply.pk, version=loaded_version)
    if not claimed.update(version=NEXT_VERSION):
        raise ReplyChanged
    reply.version = loaded_version + 1
    reply.save()
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
    rehandled = Proposal.objects.filter(pk=assignment.proposal_id)
    rehandled.update(status=ProposalStatus.REHANDLING)
    history.record_changed(rehandled)
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
    proposal = reply.assignment.proposal
    if proposal.status in ANSWERED and not _still_rehandling(proposal, reply):
        replied = Proposal.objects.filter(pk=proposal.pk)
        replied.update(status=ProposalStatus.REPLIED)
        history.record_changed(replied)
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
