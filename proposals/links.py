"""The personal form links: a signed, expiring token naming one FormInvitation and its
current nonce. Django's signing (HMAC with SECRET_KEY, a salt of its own) makes it
unforgeable; the nonce makes it unguessable and lets a re-send retire the previous link."""

import secrets

from django.conf import settings
from django.core import signing

from .models import FormInvitation

SALT = "proposals.form-link"


class LinkInvalid(Exception):
    """Why a link cannot open a form; `reason` is one of the constants below."""

    TAMPERED = "tampered"
    EXPIRED = "expired"
    REPLACED = "replaced"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def link_token(invitation: FormInvitation) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object(
        {"i": invitation.pk, "n": invitation.nonce}, compress=True
    )


def open_link(token: str) -> FormInvitation:
    """The invitation a token names. Raises LinkInvalid."""
    max_age = settings.FORM_LINK_MAX_AGE_DAYS * 24 * 3600
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkInvalid(LinkInvalid.EXPIRED) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkInvalid(LinkInvalid.TAMPERED) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("i"), int):
        raise LinkInvalid(LinkInvalid.TAMPERED)
    invitation = (
        FormInvitation.objects.select_related(
            "reply__assignment__proposal__session",
            "reply__assignment__unit",
            "reply__outcome_class",
            "rater",
        )
        .filter(pk=payload["i"])
        .first()
    )
    if invitation is None:
        raise LinkInvalid(LinkInvalid.TAMPERED)
    if not secrets.compare_digest(str(payload.get("n", "")), invitation.nonce):
        raise LinkInvalid(LinkInvalid.REPLACED)
    return invitation
