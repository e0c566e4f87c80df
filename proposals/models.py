"""Proposals (提案), their assignment to units, reply letters (答复函) and satisfaction forms."""

import re
from datetime import date

import cn2an
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from offices.models import HandlingUnit

from .history import AuditedHistory


def choices_constraint(
    field: str, choices: type[models.TextChoices], name: str, *, blank: bool = False
):
    condition = Q(**{f"{field}__in": choices.values})
    if blank:
        condition |= Q(**{field: ""})
    return models.CheckConstraint(condition=condition, name=name)


# A printed proposal number: optional letters/year before the digits (D022, 2025D048).
PRINTED_NUMBER = re.compile(r"^(?P<prefix>.*?[A-Za-z])?(?P<digits>\d+)$")


def split_printed_number(text: str) -> tuple[str, int, int] | None:
    """'010' → ('', 10, 3 digits printed); 'D022' → ('D', 22, 3); '2024159' → ('', 2024159, 7);
    None when `text` is no proposal number."""
    match = PRINTED_NUMBER.match(text)
    if not match:
        return None
    return (match["prefix"] or "").upper(), int(match["digits"]), len(match["digits"])


class ProposerKind(models.TextChoices):
    MEMBER = "member", _("委员")
    BODY = "body", _("集体")


class ProposalStatus(models.TextChoices):
    FILED = "filed", _("已提交")
    REGISTERED = "registered", _("已立案")
    NOT_REGISTERED = "not_registered", _("不立案")
    MERGED = "merged", _("已并案")
    ASSIGNED = "assigned", _("已交办")
    REPLIED = "replied", _("已答复")
    REHANDLING = "rehandling", _("重新办理")
    CLOSED = "closed", _("已办结")


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("主办")
    CO_HANDLING = "co_handling", _("会办")
    SEPARATE = "separate", _("分办")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class Disclosure(models.TextChoices):
    """The disclosure mark a letter carries (公开属性)."""

    ACTIVE = "active", _("主动公开")
    ON_REQUEST = "on_request", _("依申请公开")
    WITHHELD = "withheld", _("不予公开")


# The marks the letter reader finds, as printed, to the stored choice.
DISCLOSURE_MARKS = {
    "主动公开": Disclosure.ACTIVE,
    "依申请公开": Disclosure.ON_REQUEST,
    "不予公开": Disclosure.WITHHELD,
}


class FormChannel(models.TextChoices):
    ONLINE = "online", _("网上")
    PAPER = "paper", _("纸质")


class Session(models.Model):
    """A meeting of a committee term.

    市政协十四届五次会议 = committee 市政协, term 14, meeting 5.
    """

    committee = models.CharField(_("政协组织"), max_length=50, default="市政协")
    term = models.PositiveSmallIntegerField(_("届"))
    meeting = models.PositiveSmallIntegerField(_("次会议"))
    year = models.PositiveSmallIntegerField(_("年份"))
    number_digits = models.PositiveSmallIntegerField(
        _("提案编号位数"),
        default=3,
        help_text=_("提案编号补零到的位数：3 表示第10号印作“第010号”。"),
    )
    # Sessions made by `generate_demo_data` (and everything in them): synthetic, safe to drop.
    generated = models.BooleanField(_("演示数据"), default=False, editable=False)

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-year", "-term", "-meeting"]
        indexes = [models.Index(fields=["-year", "-term", "-meeting"], name="session_order_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "term", "meeting"], name="session_unique_meeting"
            ),
            models.CheckConstraint(
                condition=Q(term__gte=1) & Q(meeting__gte=1),
                name="session_term_meeting_positive",
                violation_error_message=_("届次和会议次数从 1 开始。"),
            ),
        ]

    def __str__(self):
        return f"{self.committee}{cn2an.an2cn(self.term)}届{cn2an.an2cn(self.meeting)}次会议"


class Category(models.Model):
    name = models.CharField(_("名称"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("提案类别")
        verbose_name_plural = _("提案类别")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Proposer(models.Model):
    """A committee member (委员) or a collective body (民革市委会, a sector, a committee)."""

    kind = models.CharField(
        _("类型"), max_length=10, choices=ProposerKind, default=ProposerKind.MEMBER
    )
    name = models.CharField(_("名称"), max_length=100)
    contact_person = models.CharField(
        _("联系人"), max_length=50, blank=True, help_text=_("集体提案的联系人。")
    )
    address = models.CharField(_("通讯地址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=50, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)

    class Meta:
        verbose_name = _("提案者")
        verbose_name_plural = _("提案者")
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="proposer_name_idx")]
        constraints = [choices_constraint("kind", ProposerKind, "proposer_kind_valid")]

    def __str__(self):
        if self.kind == ProposerKind.MEMBER:
            return f"{self.name}委员"
        return self.name


class Proposal(models.Model):
    session = models.ForeignKey(
        Session, verbose_name=_("会议"), on_delete=models.PROTECT, related_name="proposals"
    )
    number = models.PositiveIntegerField(_("编号"))
    number_prefix = models.CharField(
        _("编号前缀"), max_length=20, blank=True, help_text=_("如 D022 中的“D”；一般为空。")
    )
    title = models.CharField(_("案由"), max_length=300)
    proposer = models.ForeignKey(
        Proposer,
        verbose_name=_("第一提案者"),
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    co_signers = models.ManyToManyField(
        Proposer, verbose_name=_("联名提案者"), related_name="co_signed_proposals", blank=True
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("类别"),
        on_delete=models.PROTECT,
        related_name="proposals",
        null=True,
        blank=True,
    )
    is_key = models.BooleanField(_("重点提案"), default=False)
    status = models.CharField(
        _("状态"), max_length=20, choices=ProposalStatus, default=ProposalStatus.FILED
    )
    not_registered_reason = models.TextField(_("不立案理由"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("并入提案"),
        on_delete=models.PROTECT,
        related_name="merged_proposals",
        null=True,
        blank=True,
    )
    filed_on = models.DateField(_("提交日期"), null=True, blank=True)
    body = models.TextField(_("提案内容"), blank=True)

    history = AuditedHistory(m2m_fields=["co_signers"])

    class Meta:
        verbose_name = _("提案")
        verbose_name_plural = _("提案")
        ordering = ["session", "number_prefix", "number"]  # served by the unique index
        constraints = [
            # 010 and 10 are one number: the number is stored as an integer.
            models.UniqueConstraint(
                fields=["session", "number_prefix", "number"],
                name="proposal_unique_number",
                violation_error_message=_("本次会议已有这一编号的提案（010 与 10 是同一编号）。"),
            ),
            choices_constraint("status", ProposalStatus, "proposal_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
                name="proposal_merged_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(status="not_registered") | ~Q(not_registered_reason=""),
                name="proposal_not_registered_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.session} 第{self.printed_number}号 {self.title}"

    @property
    def printed_number(self) -> str:
        """The number as the session prints it: 10 → 010 where numbers have three digits."""
        return f"{self.number_prefix}{self.number:0{self.session.number_digits}d}"

    def clean(self):
        if self.status == ProposalStatus.MERGED and not self.merged_into_id:
            raise ValidationError({"merged_into": _("并案的提案须指明并入哪件提案。")})
        if self.status == ProposalStatus.NOT_REGISTERED and not self.not_registered_reason.strip():
            raise ValidationError({"not_registered_reason": _("不立案须写明理由。")})
        if self.merged_into_id and self.merged_into_id == self.pk:
            raise ValidationError({"merged_into": _("提案不能并入自身。")})


class OutcomeScheme(models.Model):
    """A scheme of outcome classes; deployments add their own in the admin."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    description = models.TextField(_("说明"), blank=True)
    is_default = models.BooleanField(_("默认"), default=False)

    class Meta:
        verbose_name = _("办理结果分类方案")
        verbose_name_plural = _("办理结果分类方案")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="one_default_scheme",
                violation_error_message=_("已有默认方案：请先取消原默认方案。"),
            )
        ]

    def __str__(self):
        return self.name


class OutcomeClass(models.Model):
    scheme = models.ForeignKey(
        OutcomeScheme, verbose_name=_("方案"), on_delete=models.PROTECT, related_name="classes"
    )
    code = models.CharField(_("代码"), max_length=10, help_text=_("如 A1、B、甲。"))
    group = models.CharField(
        _("类别字母"), max_length=10, help_text=_("统计时归入的大类，如 A、B、C。")
    )
    definition = models.CharField(_("定义"), max_length=200)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    history = AuditedHistory()

    class Meta:
        verbose_name = _("办理结果分类")
        verbose_name_plural = _("办理结果分类")
        ordering = ["scheme", "position", "code"]
        indexes = [
            models.Index(fields=["scheme", "position", "code"], name="outcomeclass_order_idx")
        ]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="outcomeclass_unique_code")
        ]

    def __str__(self):
        return f"{self.code}（{self.definition}）"


class AssignmentQuerySet(models.QuerySet):
    def replied(self):
        return self.filter(replies__isnull=False).distinct()

    def pending(self, today: date):
        return self.filter(replies__isnull=True).exclude(due_on__lt=today)

    def overdue(self, today: date):
        return self.filter(replies__isnull=True, due_on__lt=today)


class Assignment(models.Model):
    """A proposal given to a unit (交办) to answer, in a role."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("提案"), on_delete=models.PROTECT, related_name="assignments"
    )
    unit = models.ForeignKey(
        HandlingUnit,
        verbose_name=_("承办单位"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    role = models.CharField(
        _("办理方式"), max_length=20, choices=AssignmentRole, default=AssignmentRole.LEAD
    )
    # Both may be unknown for letters imported from an archive; the admin asks for them.
    assigned_on = models.DateField(_("交办日期"), null=True)
    due_on = models.DateField(_("答复期限"), null=True, help_text=_("留空则为交办日期后三个月。"))
    # Set when the proposer rates a reply 不满意: the unit answers again in this round.
    rehandling_round = models.PositiveSmallIntegerField(_("重新办理轮次"), null=True, blank=True)
    rehandling_due_on = models.DateField(_("重新办理答复期限"), null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()
    history = AuditedHistory()

    class Meta:
        verbose_name = _("交办")
        verbose_name_plural = _("交办")
        ordering = ["-assigned_on", "-id"]
        indexes = [models.Index(fields=["-assigned_on", "-id"], name="assignment_order_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "unit"],
                name="assignment_unique_unit",
                violation_error_message=_("这件提案已交办给该单位。"),
            ),
            choices_constraint("role", AssignmentRole, "assignment_role_valid"),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("assigned_on")), name="assignment_due_after_assigned"
            ),
        ]

    def __str__(self):
        return f"{self.proposal} → {self.unit}（{self.get_role_display()}）"

    @property
    def days_overdue(self) -> int:
        """Days past the due date (0 when not yet due); whether it was answered is not asked."""
        if self.due_on is None:
            return 0
        return max((timezone.localdate() - self.due_on).days, 0)

    def clean(self):
        if self.assigned_on and self.due_on and self.due_on < self.assigned_on:
            raise ValidationError({"due_on": _("答复期限不能早于交办日期。")})


class ReplyLetterQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def with_ratings(self):
        """Annotate `attitude` and `result`: the ratings of the first proposer's form (for a
        collective proposal, the body's), which the figures count; None where none came back.
        Co-signers' forms are kept and shown, but one reply has one rating."""
        lead_form = SatisfactionForm.objects.valid().filter(
            reply=OuterRef("pk"), rater=OuterRef("assignment__proposal__proposer")
        )
        return self.annotate(
            attitude=Subquery(lead_form.values("attitude_rating")[:1]),
            result=Subquery(lead_form.values("result_rating")[:1]),
            form_channel=Subquery(lead_form.values("channel")[:1]),
        )


# What a write of a reply sets its version to, in the statement itself: an increment that no
# concurrent write can lose (see ReplyLetter.version).
NEXT_VERSION = F("version") + 1


class ReplyLetter(models.Model):
    """A reply letter (答复函), as printed; round 2… after re-handling."""

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("交办"), on_delete=models.PROTECT, related_name="replies"
    )
    # The assignment's unit, kept on the row so that the database itself can hold document
    # numbers unique per unit; set from the assignment by the form and by the services.
    unit = models.ForeignKey(
        HandlingUnit,
        verbose_name=_("承办单位"),
        on_delete=models.PROTECT,
        related_name="replies",
        editable=False,
    )
    round = models.PositiveSmallIntegerField(
        _("答复轮次"), default=1, help_text=_("首次答复为 1，重新办理后为 2、3……")
    )
    doc_number = models.CharField(
        _("文号"),
        max_length=100,
        blank=True,
        help_text=_("照原文填写，如 景国试管办案字〔2025〕1号。"),
    )
    doc_year = models.PositiveSmallIntegerField(_("文号年份"), null=True, blank=True)
    doc_sequence = models.PositiveIntegerField(_("文号序号"), null=True, blank=True)
    outcome_class = models.ForeignKey(
        OutcomeClass,
        verbose_name=_("办理结果分类"),
        on_delete=models.PROTECT,
        related_name="replies",
        null=True,
        blank=True,
    )
    title = models.CharField(_("标题"), max_length=300)
    addressee = models.CharField(_("称谓"), max_length=100, help_text=_("如 尊敬的李辉松委员。"))
    proposal_title = models.CharField(
        _("函中所引提案标题"), max_length=300, blank=True, help_text=_("照函中《》内文字填写。")
    )
    body = models.TextField(_("正文"), blank=True)
    signing_unit = models.CharField(_("落款单位"), max_length=200)
    signed_on = models.DateField(_("成文日期"), null=True, blank=True)
    signer = models.CharField(_("签发人"), max_length=50, blank=True)
    copied_to = models.JSONField(_("抄送"), default=list, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=50, blank=True)
    disclosure = models.CharField(
        _("公开属性"),
        max_length=20,
        choices=Disclosure,
        blank=True,
        help_text=_("照函上所印填写。"),
    )
    is_published = models.BooleanField(_("已公开"), default=False)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    # A reply sent by mistake is withdrawn, not deleted: its form links stop working.
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True, editable=False)
    withdrawn_reason = models.TextField(_("撤回理由"), blank=True, editable=False)
    # Optimistic locking: every write of a reply raises it (NEXT_VERSION), and the admin's
    # change form saves only over the version it was loaded with (services.reply_save).
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    objects = ReplyLetterQuerySet.as_manager()
    history = AuditedHistory()

    class Meta:
        verbose_name = _("答复函")
        verbose_name_plural = _("答复函")
        ordering = ["-signed_on", "-id"]
        indexes = [models.Index(fields=["-signed_on", "-id"], name="reply_order_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "doc_number"],
                condition=~Q(doc_number=""),
                name="reply_unique_doc_number_per_unit",
            ),
            models.UniqueConstraint(
                fields=["assignment", "round"],
                name="reply_unique_round",
                violation_error_message=_(
                    "这件交办已有这一轮次的答复函；重新办理后的答复请填下一轮次。"
                ),
            ),
            choices_constraint("disclosure", Disclosure, "reply_disclosure_valid", blank=True),
            models.CheckConstraint(
                condition=Q(round__gte=1),
                name="reply_round_positive",
                violation_error_message=_("答复轮次从 1 开始。"),
            ),
        ]

    def __str__(self):
        return self.doc_number or self.title

    def clean(self):
        duplicate = (
            self.doc_number
            and self.unit_id
            and ReplyLetter.objects.filter(unit_id=self.unit_id, doc_number=self.doc_number)
            .exclude(pk=self.pk)
            .exists()
        )
        if duplicate:
            raise ValidationError({"doc_number": _("本单位已有同一文号的答复函。")})


class SatisfactionFormQuerySet(models.QuerySet):
    def valid(self):
        """Forms that count: not voided by a supervisor."""
        return self.filter(voided_at__isnull=True)


def scan_upload_to(form, filename: str) -> str:
    return f"forms/{timezone.now():%Y/%m}/{filename}"


class SatisfactionForm(models.Model):
    """The proposer's satisfaction form (征询意见表) for one reply."""

    reply = models.ForeignKey(
        ReplyLetter, verbose_name=_("答复函"), on_delete=models.PROTECT, related_name="forms"
    )
    rater = models.ForeignKey(
        Proposer, verbose_name=_("填表人"), on_delete=models.PROTECT, related_name="forms"
    )
    attitude_rating = models.CharField(_("办理态度"), max_length=20, choices=Rating)
    result_rating = models.CharField(_("办理结果"), max_length=20, choices=Rating)
    comments = models.TextField(_("意见建议"), blank=True)
    signature_name = models.CharField(_("签名"), max_length=50, blank=True)
    signed_on = models.DateField(_("填表日期"), null=True, blank=True)
    proposal_title_on_form = models.CharField(
        _("表上所印提案标题"),
        max_length=300,
        blank=True,
        help_text=_("照表上原文填写；与答复函所引标题不一致时会标出。"),
    )
    channel = models.CharField(
        _("渠道"), max_length=10, choices=FormChannel, default=FormChannel.PAPER
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.SET_NULL,
        related_name="entered_forms",
        null=True,
        blank=True,
    )
    entered_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    # An online form came through this personal link: the member's own word.
    invitation = models.ForeignKey(
        "FormInvitation",
        verbose_name=_("填表链接"),
        on_delete=models.PROTECT,
        related_name="forms",
        null=True,
        blank=True,
        editable=False,
    )
    scan = models.FileField(
        _("纸质表扫描件"),
        upload_to=scan_upload_to,
        blank=True,
        help_text=_("PDF、JPG 或 PNG，不超过 10 MB。"),
    )
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作废人"),
        on_delete=models.PROTECT,
        related_name="voided_forms",
        null=True,
        blank=True,
        editable=False,
    )
    void_reason = models.TextField(_("作废理由"), blank=True, editable=False)

    objects = SatisfactionFormQuerySet.as_manager()
    history = AuditedHistory()

    class Meta:
        verbose_name = _("征询意见表")
        verbose_name_plural = _("征询意见表")
        ordering = ["-entered_at", "-id"]
        indexes = [models.Index(fields=["-entered_at", "-id"], name="form_order_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["reply", "rater"],
                condition=Q(voided_at__isnull=True),
                name="form_one_valid_per_rater",
                violation_error_message=_("这位提案者已就这件答复函填过征询意见表。"),
            ),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True) | ~Q(void_reason=""),
                name="form_void_has_reason",
                violation_error_message=_("作废须写明理由。"),
            ),
            choices_constraint("attitude_rating", Rating, "form_attitude_rating_valid"),
            choices_constraint("result_rating", Rating, "form_result_rating_valid"),
            choices_constraint("channel", FormChannel, "form_channel_valid"),
        ]

    def __str__(self):
        return f"{self.reply} · {self.rater}"

    @property
    def has_title_mismatch(self) -> bool:
        """The form prints another proposal title than the letter quotes (real data does)."""
        return bool(
            self.proposal_title_on_form and self.proposal_title_on_form != self.reply.proposal_title
        )

    def clean(self):
        if not (self.reply_id and self.rater_id):
            return
        proposal = self.reply.assignment.proposal
        entitled = (
            proposal.proposer_id == self.rater_id
            or proposal.co_signers.filter(pk=self.rater_id).exists()
        )
        if not entitled:
            raise ValidationError({"rater": _("填表人须是该提案的提案者或联名提案者。")})


class FormInvitation(models.Model):
    """A personal link for one person entitled to rate one reply (one round): the proposer,
    each co-signer, or a collective proposer's contact. The link carries a signed token
    (proposals.links); only its random `nonce` is kept, and re-sending replaces it, so a
    link once sent cannot be rebuilt by staff and an older one stops working."""

    reply = models.ForeignKey(
        ReplyLetter, verbose_name=_("答复函"), on_delete=models.PROTECT, related_name="invitations"
    )
    rater = models.ForeignKey(
        Proposer, verbose_name=_("填表人"), on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField(_("发送邮箱"), blank=True)
    nonce = models.CharField(max_length=64, editable=False)
    sent_at = models.DateTimeField(_("最近发送时间"), null=True, blank=True, editable=False)
    send_count = models.PositiveSmallIntegerField(_("发送次数"), default=0, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("填表链接")
        verbose_name_plural = _("填表链接")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="invitation_order_idx")]
        constraints = [
            models.UniqueConstraint(fields=["reply", "rater"], name="invitation_one_per_rater")
        ]

    def __str__(self):
        return f"{self.reply} · {self.rater}"


class ReminderKind(models.TextChoices):
    FORM_OUTSTANDING = "form_outstanding", _("催填征询意见表")
    DUE_SOON = "due_soon", _("答复期限将到")
    OVERDUE = "overdue", _("已逾期未答复")


class Reminder(models.Model):
    """A reminder sent by `send_reminders`: at most one of a kind per subject and day."""

    kind = models.CharField(_("类型"), max_length=20, choices=ReminderKind)
    invitation = models.ForeignKey(
        FormInvitation,
        verbose_name=_("填表链接"),
        on_delete=models.CASCADE,
        related_name="reminders",
        null=True,
        blank=True,
    )
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("交办"),
        on_delete=models.CASCADE,
        related_name="reminders",
        null=True,
        blank=True,
    )
    recipients = models.JSONField(_("收件人"), default=list)
    sent_on = models.DateField(_("发送日期"))
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["-sent_at", "-id"], name="reminder_order_idx")]
        constraints = [
            choices_constraint("kind", ReminderKind, "reminder_kind_valid"),
            models.UniqueConstraint(
                fields=["kind", "invitation", "sent_on"],
                condition=Q(invitation__isnull=False),
                name="reminder_once_a_day_per_invitation",
            ),
            models.UniqueConstraint(
                fields=["kind", "assignment", "sent_on"],
                condition=Q(assignment__isnull=False),
                name="reminder_once_a_day_per_assignment",
            ),
            # A member is reminded of a form (an invitation), a unit of an assignment.
            models.CheckConstraint(
                condition=(
                    Q(kind=ReminderKind.FORM_OUTSTANDING)
                    & Q(invitation__isnull=False, assignment__isnull=True)
                )
                | (
                    ~Q(kind=ReminderKind.FORM_OUTSTANDING)
                    & Q(invitation__isnull=True, assignment__isnull=False)
                ),
                name="reminder_subject_fits_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.sent_on} · {self.invitation or self.assignment}"
