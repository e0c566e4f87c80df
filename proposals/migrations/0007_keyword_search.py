"""The keyword search's indexes on PostgreSQL (see proposals/search.py): a function that lists
the bigrams of a text (each two neighbouring characters, lower-cased, as one number) and GIN
indexes over the bigrams of the columns searched. Nothing on other databases."""

from django.db import migrations

# Code of a bigram: the first character's code point shifted past the second's (code points
# have 21 bits), so that a bigram and its number determine each other.
CREATE_FUNCTION = r"""
CREATE FUNCTION proposals_bigrams(value text) RETURNS bigint[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(code), '{}') FROM (
        SELECT (ascii(character)::bigint << 21) | lead(ascii(character)) OVER (ORDER BY position)
        FROM unnest(string_to_array(lower(value), NULL)) WITH ORDINALITY AS t(character, position)
    ) AS bigrams(code)
    WHERE code IS NOT NULL
$$
"""

INDEXES = {
    "proposal_title_bigrams_idx": ("proposals_proposal", "title"),
    "reply_title_bigrams_idx": ("proposals_replyletter", "title"),
    "reply_quoted_title_bigrams_idx": ("proposals_replyletter", "proposal_title"),
    "reply_body_bigrams_idx": ("proposals_replyletter", "body"),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION)
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX {name} ON {table} USING gin (proposals_bigrams({column}))"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS proposals_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [("proposals", "0006_cache_table")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
