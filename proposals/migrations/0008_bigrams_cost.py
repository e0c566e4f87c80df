"""Declare `proposals_bigrams()` expensive, as it is (about half a millisecond for a letter of
2 000 characters). At the default cost of 100 the planner judged a parallel scan computing the
bigrams of every letter cheaper than the GIN index when a keyword is common (发展, in most
letters): 27 s instead of 0.5 s on 100 000 proposals. Nothing on other databases."""

from django.db import migrations


def declare_cost(cost: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER FUNCTION proposals_bigrams(text) COST {cost}")

    return run


class Migration(migrations.Migration):
    dependencies = [("proposals", "0007_keyword_search")]

    operations = [migrations.RunPython(declare_cost(10_000), declare_cost(100), elidable=False)]
