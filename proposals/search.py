"""The listing's keyword search: `icontains` on a proposal's title and on its visible replies'
title, quoted proposal title and text.

On PostgreSQL, `LIKE '%…%'` reads every row, and pg_trgm's trigrams cannot serve a keyword of
two Chinese characters. So each column searched has a GIN index over its bigrams, every two
neighbouring characters lower-cased (`proposals_bigrams()`, migration 0007): the rows whose
bigrams include all the keyword's are the candidates. For a two-character keyword that is the
match itself; a longer one is confirmed by `icontains`. Other databases run `icontains`.

The price is in the letters' text: some 1 400 distinct bigrams per letter of 2 000 characters,
so about 2–3 ms more per letter written and 750 MB of index for 190 000 letters. A search
costs in proportion to the rows it finds: a rare keyword a few milliseconds, one found in
most letters (发展) a few hundred.
"""

from itertools import pairwise

from django.db.models import Lookup, Q, QuerySet
from django.db.models.lookups import IContains

from .models import Proposal, ReplyLetter


def bigram_codes(keyword: str) -> list[int] | None:
    """The keyword's bigrams as `proposals_bigrams()` codes them, or None where they may not
    match its codes (a letter Python and PostgreSQL may lower-case differently, say)."""
    folded = keyword.lower()
    if len(folded) < 2 or not all(char.isascii() or char.upper() == char for char in folded):
        return None
    return sorted({(ord(first) << 21) | ord(second) for first, second in pairwise(folded)})


class ContainsKeyword(Lookup):
    """`field__contains_keyword=…`: `icontains`, through the field's bigram index on
    PostgreSQL."""

    lookup_name = "contains_keyword"

    def as_sql(self, compiler, connection):
        return IContains(self.lhs, self.rhs).as_sql(compiler, connection)

    def as_postgresql(self, compiler, connection):
        codes = bigram_codes(self.rhs)
        if codes is None:
            return self.as_sql(compiler, connection)
        column, params = compiler.compile(self.lhs)
        sql, params = f"proposals_bigrams({column}) @> %s::bigint[]", [*params, codes]
        if len(self.rhs) > 2:  # the bigrams are all there, but are they in this order?
            exact, exact_params = self.as_sql(compiler, connection)
            sql, params = f"{sql} AND {exact}", [*params, *exact_params]
        return sql, params


# Only on the columns migration 0007 indexes: elsewhere PostgreSQL would work out the bigrams
# of every row it reads.
for model, field in (
    (Proposal, "title"),
    (ReplyLetter, "title"),
    (ReplyLetter, "proposal_title"),
    (ReplyLetter, "body"),
):
    model._meta.get_field(field).register_lookup(ContainsKeyword)


def reply_text_contains(keyword: str) -> Q:
    """On replies: the letter's title, quoted proposal title or text contains the keyword."""
    return (
        Q(title__contains_keyword=keyword)
        | Q(proposal_title__contains_keyword=keyword)
        | Q(body__contains_keyword=keyword)
    )


def proposals_matching(keyword: str, visible_replies: QuerySet[ReplyLetter]) -> Q:
    """On proposals: the title or one of the visible replies contains the keyword. One set of
    ids from each index, so that PostgreSQL reads both indexes and then only the rows found."""
    by_title = Proposal.objects.filter(title__contains_keyword=keyword).values("pk")
    by_reply = visible_replies.filter(reply_text_contains(keyword)).values("assignment__proposal")
    return Q(pk__in=by_title.union(by_reply))


def replies_matching(keyword: str) -> Q:
    """On replies: the reply's text or its proposal's title contains the keyword."""
    by_text = ReplyLetter.objects.filter(reply_text_contains(keyword)).values("pk")
    by_title = Proposal.objects.filter(title__contains_keyword=keyword).values("pk")
    return Q(pk__in=by_text) | Q(assignment__proposal__in=by_title)
