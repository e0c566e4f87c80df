"""Logins, failed logins and logouts are kept (offices.audit), never a password; supervisors
read them in the admin, where nobody can change them."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from offices.models import LoginEvent, LoginOutcome
from proposals import caching
from tests.factories import HandlingUnitFactory, SupervisorFactory, UserFactory, unit_staff

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"  # the factories'
LOGIN = reverse("admin:login")


def log_in(client, username: str, password: str, **headers):
    return client.post(LOGIN, {"username": username, "password": password}, **headers)


def test_a_login_is_kept_with_who_when_and_where(client):
    user = UserFactory(username="wang")
    response = log_in(client, "wang", PASSWORD, REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Firefox")
    assert response.status_code == 302
    event = LoginEvent.objects.get()
    assert (event.outcome, event.user, event.username) == (LoginOutcome.LOGGED_IN, user, "wang")
    assert (event.ip_address, event.user_agent) == ("10.1.2.3", "Firefox")
    assert event.occurred_at is not None


def test_a_failed_login_keeps_the_username_typed_and_never_the_password(client):
    UserFactory(username="wang")
    secret = "the-wrong-Password-42"
    response = log_in(client, "wang", secret)
    assert response.status_code == 200
    log_in(client, "nobody-here", secret)
    events = LoginEvent.objects.order_by("id")
    assert [(e.outcome, e.username, e.user) for e in events] == [
        (LoginOutcome.FAILED, "wang", None),
        (LoginOutcome.FAILED, "nobody-here", None),
    ]
    for event in events:
        assert secret not in repr([getattr(event, f.attname) for f in LoginEvent._meta.fields])


def test_a_logout_is_kept(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("admin:logout"))
    event = LoginEvent.objects.get(outcome=LoginOutcome.LOGGED_OUT)
    assert (event.user, event.username) == (user, user.username)


def test_an_address_that_is_none_is_kept_as_none(client):
    """A unix socket gives no address: the event is kept without one, never a 500."""
    UserFactory(username="wang")
    log_in(client, "wang", PASSWORD, REMOTE_ADDR="")
    assert LoginEvent.objects.get().ip_address is None


def test_a_login_does_not_retire_the_cached_pages(client, django_capture_on_commit_callbacks):
    UserFactory(username="wang")
    caching.renew_versions((caching.DATA_VERSION,))
    version = cache.get(caching.DATA_VERSION)
    with django_capture_on_commit_callbacks(execute=True):
        log_in(client, "wang", PASSWORD)
        log_in(client, "wang", "wrong")
    assert LoginEvent.objects.count() == 2
    assert cache.get(caching.DATA_VERSION) == version


def test_supervisors_read_the_events_and_nobody_changes_them(client):
    UserFactory(username="wang")
    log_in(client, "wang", "wrong")
    event = LoginEvent.objects.get()
    client.force_login(SupervisorFactory())
    changelist = reverse("admin:offices_loginevent_changelist")
    change = reverse("admin:offices_loginevent_change", args=[event.pk])
    assert "wang" in client.get(changelist).text
    assert client.get(change).status_code == 200
    assert client.get(reverse("admin:offices_loginevent_add")).status_code == 403
    assert client.post(change, {"username": "someone-else"}).status_code == 403
    delete = reverse("admin:offices_loginevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.username == "wang"


def test_unit_staff_and_superusers_cannot_change_them_either(client):
    log_in(client, "wang", "wrong")
    event = LoginEvent.objects.get()
    client.force_login(unit_staff(HandlingUnitFactory()))
    assert client.get(reverse("admin:offices_loginevent_changelist")).status_code == 403
    client.force_login(UserFactory(is_superuser=True))
    delete = reverse("admin:offices_loginevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert LoginEvent.objects.filter(pk=event.pk).exists()
