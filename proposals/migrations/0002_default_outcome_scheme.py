"""Install Jingdezhen's outcome classes (printed on its satisfaction form) as the default scheme."""

from django.db import migrations

JINGDEZHEN_CLASSES = [
    ("A1", "A", "已经解决、采纳或部分采纳"),
    ("A2", "A", "本年度内能基本解决"),
    ("A3", "A", "已有规定"),
    ("B1", "B", "列入近期工作计划，三年内能够基本解决"),
    ("B2", "B", "已列入规划、有解决问题的路线图和时间表"),
    ("C1", "C", "暂时难以解决，拟在工作中研究参考"),
    ("C2", "C", "因法律和政策的规定或者目前条件不具备确实无法解决"),
]
SCHEME_NAME = "景德镇 A1–C2"


def install(apps, schema_editor):
    OutcomeScheme = apps.get_model("proposals", "OutcomeScheme")
    OutcomeClass = apps.get_model("proposals", "OutcomeClass")
    has_default = OutcomeScheme.objects.filter(is_default=True).exists()
    scheme, _ = OutcomeScheme.objects.get_or_create(
        name=SCHEME_NAME,
        defaults={
            "is_default": not has_default,
            "description": "景德镇市政协提案办理情况征询意见表所印的办理结果分类标准。",
        },
    )
    for position, (code, group, definition) in enumerate(JINGDEZHEN_CLASSES, start=1):
        OutcomeClass.objects.get_or_create(
            scheme=scheme,
            code=code,
            defaults={"group": group, "definition": definition, "position": position},
        )


def uninstall(apps, schema_editor):
    OutcomeScheme = apps.get_model("proposals", "OutcomeScheme")
    OutcomeClass = apps.get_model("proposals", "OutcomeClass")
    OutcomeClass.objects.filter(scheme__name=SCHEME_NAME, replies__isnull=True).delete()
    OutcomeScheme.objects.filter(name=SCHEME_NAME, classes__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
