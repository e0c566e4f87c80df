"""RoleBackend: Django's permissions and the user's role, read in fewer queries."""

import pytest
from django.contrib.auth.models import Group, Permission

from offices.roles import RoleBackend, is_supervisor
from tests.factories import SupervisorFactory, UserFactory

pytestmark = pytest.mark.django_db


def permission(codename: str) -> Permission:
    return Permission.objects.get(codename=codename)


def test_a_users_own_and_groups_permissions_are_read_in_one_query(django_assert_num_queries):
    user = UserFactory()
    user.user_permissions.add(permission("view_user"))
    editors = Group.objects.create(name="editors")
    editors.permissions.add(permission("change_group"), permission("view_user"))
    user.groups.add(editors)
    UserFactory().user_permissions.add(permission("delete_user"))  # someone else's
    user = RoleBackend().get_user(user.pk)
    with django_assert_num_queries(1):
        assert user.get_all_permissions() == {"auth.view_user", "auth.change_group"}
        assert user.has_perm("auth.change_group")
        assert not user.has_perm("auth.delete_user")
        assert user.has_module_perms("auth")
        assert not user.has_module_perms("proposals")


def test_superusers_have_every_permission_and_inactive_users_none():
    superuser = RoleBackend().get_user(UserFactory(is_superuser=True).pk)
    assert len(superuser.get_all_permissions()) == Permission.objects.count()
    inactive = UserFactory(is_active=False)
    inactive.user_permissions.add(permission("view_user"))
    assert RoleBackend().get_user(inactive.pk) is None
    assert RoleBackend().get_all_permissions(inactive) == set()


@pytest.mark.parametrize(
    ("factory", "supervisor"), [(SupervisorFactory, True), (UserFactory, False)]
)
def test_the_user_comes_with_their_role(django_assert_num_queries, factory, supervisor):
    user_id = factory().pk
    with django_assert_num_queries(1):
        user = RoleBackend().get_user(user_id)
        assert is_supervisor(user) is supervisor


def test_no_such_user():
    assert RoleBackend().get_user(0) is None


def test_logging_in_goes_through_it(client):
    UserFactory(username="someone")
    assert client.login(username="someone", password="pass-word-123")
    assert client.session["_auth_user_backend"] == "offices.roles.RoleBackend"
