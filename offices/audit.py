"""Logins, failed logins and logouts, kept as LoginEvent rows (connected by OfficesConfig).

A failed login keeps the username typed and nothing else of the credentials: Django masks
the password in what it sends, and it is never read here."""

import ipaddress

from django.contrib.auth import user_logged_in, user_logged_out
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from config.security import client_ip

from .models import LoginEvent, LoginOutcome

USERNAME_LENGTH = LoginEvent._meta.get_field("username").max_length
USER_AGENT_LENGTH = LoginEvent._meta.get_field("user_agent").max_length


def login_event_record(*, outcome: str, request, user=None, username: str = "") -> LoginEvent:
    """Keep one event. The row is written with the base manager's bulk_create: a login is
    not a change of the data the cached pages show (proposals.caching renews its version on
    every save signal of this app)."""
    event = LoginEvent(
        outcome=outcome,
        user=user,
        username=str(username or "")[:USERNAME_LENGTH],
        ip_address=_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH] if request else "",
    )
    LoginEvent._base_manager.bulk_create([event])
    return event


def _address(request) -> str | None:
    """The client's address, or None where there is no request or no valid address."""
    if request is None:
        return None
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except ValueError:
        return None


@receiver(user_logged_in, dispatch_uid="offices-audit-logged-in")
def logged_in(sender, request, user, **kwargs):
    login_event_record(
        outcome=LoginOutcome.LOGGED_IN, request=request, user=user, username=user.get_username()
    )


@receiver(user_logged_out, dispatch_uid="offices-audit-logged-out")
def logged_out(sender, request, user, **kwargs):
    if user is None:  # logging out without having logged in
        return
    login_event_record(
        outcome=LoginOutcome.LOGGED_OUT, request=request, user=user, username=user.get_username()
    )


@receiver(user_login_failed, dispatch_uid="offices-audit-login-failed")
def login_failed(sender, credentials, request=None, **kwargs):
    # The login form sends `username` whatever the user model's USERNAME_FIELD.
    username = credentials.get("username", "")
    login_event_record(outcome=LoginOutcome.FAILED, request=request, username=username)
