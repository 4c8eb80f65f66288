"""Full-text search: which conversations mention these words, best match first.

SQLite: the FTS5 table ``message_fts`` (migration 0005) ranks each matching message with bm25 (a word in the
customer's name or handle weighs double); a conversation ranks by its best message. PostgreSQL: the same text through
``to_tsvector('socialinbox_search', ...)`` (``simple`` without accents, as FTS5's ``remove_diacritics``), served by
the expression GIN index of migration 0006, ranked with ``ts_rank``.
Other databases find nothing rather than scan every message.

The ranking looks at the newest ``RANK_WINDOW`` matching messages. Finding the matches is cheap at any size; ranking
is not (bm25 reads each match's length, and each match's conversation is another lookup): a word in one message of a
hundred matches 11,000 of a million messages and took 90-160 ms to rank in full, against 3-5 ms for the newest 1,000
(docs/performance.md, B3). A query specific enough to match fewer messages is ranked in full; a broad one shows the
best of its recent matches, which is what an inbox search is for, and more words narrow it to older ones.

The owner's words are never FTS syntax: each is quoted, so "AND", "NEAR", ``*`` and quotes are just text, and
every word must appear (in any order). Pages continue with a keyset on (score, conversation id).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.orm import Session

from socialinbox.domain import Conversation

LoadConversations = Callable[[Session, list[int]], list[Conversation]]
MAX_WORDS = 16  # a pasted paragraph is not a search; the first words are plenty to find it
RANK_WINDOW = 1_000

_SQLITE_RANKED = """
SELECT conversation_id, score, message_id FROM (
    SELECT m.conversation_id AS conversation_id, min(newest.score) AS score, m.id AS message_id
    FROM (
        SELECT rowid AS id, rank AS score FROM message_fts WHERE message_fts MATCH :match
        ORDER BY rowid DESC LIMIT :window
    ) AS newest
    JOIN message AS m INDEXED BY ix_message_search_conversation ON m.id = newest.id
    GROUP BY m.conversation_id
)
WHERE score > :score OR (score = :score AND conversation_id > :conversation_id)
ORDER BY score, conversation_id
LIMIT :limit
"""
# FTS5 walks its matches in rowid order, so the window costs no sort, and bm25 (rank) is computed for the window only.
# The narrow (id, conversation_id) index answers the join without reading each wide message row; SQLite would pick
# the primary key on its own, hence INDEXED BY.
# SQLite fills the bare column m.id from the row that gave min(): the best-matching message.

_POSTGRES_DOCUMENT = (
    "to_tsvector('socialinbox_search', coalesce(m.author_name, '') || ' ' || coalesce(m.author_handle, '') || ' ' || "
    "coalesce(m.text, ''))"
)  # exactly the expression of the index ix_message_search, or PostgreSQL will not use it
_POSTGRES_RANKED = f"""
SELECT conversation_id, score, message_id FROM (
    SELECT DISTINCT ON (newest.conversation_id) newest.conversation_id AS conversation_id,
           newest.score AS score, newest.id AS message_id
    FROM (
        SELECT m.id, m.conversation_id, -ts_rank({_POSTGRES_DOCUMENT}, query)::float8 AS score
        FROM message AS m, plainto_tsquery('socialinbox_search', :words) AS query
        WHERE {_POSTGRES_DOCUMENT} @@ query
        ORDER BY m.id DESC LIMIT :window
    ) AS newest
    ORDER BY newest.conversation_id, newest.score, newest.id
) AS best
WHERE score > :score OR (score = :score AND conversation_id > :conversation_id)
ORDER BY score, conversation_id
LIMIT :limit
"""  # noqa: S608 -- built from the constant above, never from input
# ts_rank is a float4. Read as one, a score comes back as its shortest decimal (-0.06079271), which is not the float4
# the next page compares it with (-0.0607927106...): every page after the first came back empty. As a float8 it
# makes the round trip exactly.


@dataclasses.dataclass(frozen=True, slots=True)
class SearchAfter:
    """Keyset position: the score and conversation id of the last hit of the previous page."""

    score: float
    conversation_id: int


@dataclasses.dataclass(frozen=True, slots=True)
class SearchHit:
    conversation: Conversation
    score: float  # smaller is better
    message_id: int  # the conversation's best-matching message

    @property
    def after(self) -> SearchAfter:
        """Pass as ``after`` to get the page that follows this hit."""
        return SearchAfter(self.score, self.conversation.id)


def search_words(query: str) -> list[str]:
    """The owner's query as words; pieces with no letter or digit (emoji, punctuation) match nothing, so drop them."""
    return [word for word in query.split() if any(ch.isalnum() for ch in word)][:MAX_WORDS]


def match_expression(words: list[str]) -> str:
    """An FTS5 query in which every word is a quoted string: all must match, none is an operator."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def search_conversations(
    session: Session,
    query: str,
    limit: int,
    after: SearchAfter | None,
    load: LoadConversations,
    window: int = RANK_WINDOW,
) -> list[SearchHit]:
    words = search_words(query)
    if not words or limit <= 0:
        return []
    position = after or SearchAfter(float("-inf"), 0)
    params = {"score": position.score, "conversation_id": position.conversation_id, "limit": limit, "window": window}
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        rows = session.execute(text(_SQLITE_RANKED), {**params, "match": match_expression(words)}).all()
    elif dialect == "postgresql":
        rows = session.execute(text(_POSTGRES_RANKED), {**params, "words": " ".join(words)}).all()
    else:
        return []
    conversations = {conversation.id: conversation for conversation in load(session, [row[0] for row in rows])}
    return [
        SearchHit(conversations[conversation_id], float(score), int(message_id))
        for conversation_id, score, message_id in rows
        if conversation_id in conversations
    ]
