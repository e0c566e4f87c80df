"""Create the supervisors' group (proposals committee, supervision office) that roles.py checks."""

from django.db import migrations

SUPERVISORS_GROUP = "督办人员"


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=SUPERVISORS_GROUP)


class Migration(migrations.Migration):
    dependencies = [("offices", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
