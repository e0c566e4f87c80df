"""Create the demo accounts (only those that are absent) and print their passwords once.

A superuser, a supervisor, a staff user of 国家试验区管委会办公室 and one of a second unit.
Passwords are generated on the spot: none is written in the code, and an existing account
is left as it is (its password is not shown again, nor changed).
"""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from offices.models import HandlingUnit
from offices.roles import SUPERVISORS_GROUP

DEMO_UNITS = {
    "国家试验区管委会办公室": {
        "full_name": "景德镇国家陶瓷文化传承创新试验区管理委员会办公室",
        "doc_prefix": "景国试管办案字",
    },
    "市文化广电新闻出版旅游局": {
        "full_name": "景德镇市文化广电新闻出版旅游局",
        "doc_prefix": "景文旅字",
    },
}

# username: (role label, superuser?, supervisor?, unit name or None)
DEMO_ACCOUNTS = {
    "admin": ("superuser", True, False, None),
    "supervisor": ("supervisor (督办人员)", False, True, None),
    "syq_staff": ("staff of 国家试验区管委会办公室", False, False, "国家试验区管委会办公室"),
    "wlj_staff": ("staff of 市文化广电新闻出版旅游局", False, False, "市文化广电新闻出版旅游局"),
}


class Command(BaseCommand):
    help = "Create the demo accounts that do not exist yet and print their passwords once."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be created.")

    @transaction.atomic
    def handle(self, *args, dry_run=False, verbosity=1, **options):
        units = (
            {}
            if dry_run
            else {name: self.unit(name, details) for name, details in DEMO_UNITS.items()}
        )
        user_model = get_user_model()
        created = []
        for username, (label, is_superuser, is_supervisor, unit_name) in DEMO_ACCOUNTS.items():
            if user_model.objects.filter(username=username).exists():
                if verbosity >= 1:
                    self.stdout.write(f"{username}: exists, left as it is.")
                continue
            if dry_run:
                self.stdout.write(f"{username}: would be created ({label}).")
                continue
            password = secrets.token_urlsafe(12)
            user = user_model.objects.create_user(
                username=username,
                password=password,
                is_staff=True,
                is_superuser=is_superuser,
            )
            if is_supervisor:
                user.groups.add(Group.objects.get(name=SUPERVISORS_GROUP))
            if unit_name:
                units[unit_name].staff.add(user)
            created.append((username, password, label))
        if created:
            self.stdout.write("Demo accounts (the passwords are shown only this once):")
            for username, password, label in created:
                self.stdout.write(self.style.SUCCESS(f"  {username:<12} {password}   {label}"))

    @staticmethod
    def unit(name: str, details: dict) -> HandlingUnit:
        """The unit, created if absent; its empty full name and prefix are filled in."""
        unit, _ = HandlingUnit.objects.get_or_create(name=name, defaults=details)
        empty = [field for field in details if not getattr(unit, field)]
        for field in empty:
            setattr(unit, field, details[field])
        if empty:
            unit.save(update_fields=empty)
        return unit
