"""`manage.py create_demo_accounts`: four accounts, created once, passwords shown once."""

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from offices.models import HandlingUnit
from offices.roles import is_supervisor, units_of

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("create_demo_accounts", *args, stdout=out)
    return out.getvalue()


def printed_passwords(output: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(\w+)\s+(\S+)\s{3}", output, re.MULTILINE))


def test_creates_the_four_accounts_with_printed_passwords_that_work():
    passwords = printed_passwords(run())
    assert set(passwords) == {"admin", "supervisor", "syq_staff", "wlj_staff"}
    for username, password in passwords.items():
        assert authenticate(username=username, password=password) is not None
    users = {user.username: user for user in get_user_model().objects.all()}
    assert users["admin"].is_superuser
    assert is_supervisor(users["supervisor"]) and not users["supervisor"].is_superuser
    assert [u.name for u in units_of(users["syq_staff"])] == ["国家试验区管委会办公室"]
    assert [u.name for u in units_of(users["wlj_staff"])] == ["市文化广电新闻出版旅游局"]


def test_passwords_differ_between_installations():
    first = printed_passwords(run())
    get_user_model().objects.all().delete()
    second = printed_passwords(run())
    assert all(first[name] != second[name] for name in first)


def test_second_run_creates_nothing_and_shows_no_password():
    run()
    output = run()
    assert printed_passwords(output) == {}
    assert get_user_model().objects.count() == 4
    assert "exists, left as it is" in output


def test_fills_in_a_unit_the_seeds_created_without_its_full_name():
    HandlingUnit.objects.create(name="国家试验区管委会办公室")
    run()
    unit = HandlingUnit.objects.get(name="国家试验区管委会办公室")
    assert unit.full_name == "景德镇国家陶瓷文化传承创新试验区管理委员会办公室"
    assert unit.doc_prefix == "景国试管办案字"


def test_dry_run_creates_nothing():
    output = run("--dry-run")
    assert "would be created" in output
    assert get_user_model().objects.count() == 0
    assert HandlingUnit.objects.count() == 0
