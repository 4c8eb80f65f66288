"""Full-text search through the real migrations, on SQLite and on PostgreSQL: ranked, paged, and always in step."""

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from socialinbox.domain import Platform, PollResult, RemoteAuthor, Visibility
from socialinbox.storage.repository import Repository
from socialinbox.storage.search import match_expression, search_conversations, search_words
from tests.fakes import T0, customer, remote_message


def _engine(repo: Repository) -> Engine:
    return repo._engine  # the tests look under the hood to check the index itself


def _store(repo: Repository, account_id: int, *texts: str, author: RemoteAuthor | None = None) -> list[int]:
    """Each text starts its own conversation; returns the conversation ids in order."""
    messages = tuple(
        remote_message(f"m{i}-{hash(t) & 0xFFFF}", text=t, author=author, sent_at=T0 + timedelta(minutes=i))
        for i, t in enumerate(texts)
    )
    saved = repo.save_poll(account_id, PollResult(messages, "c"), T0)
    by_text = {m.text: m.conversation_id for m in saved.new_messages}
    return [by_text[t] for t in texts]


def test_finds_conversations_holding_every_word_in_any_order(repo: Repository, account_id: int) -> None:
    both, only_one, _neither = _store(
        repo, account_id, "Is the sourdough ready for pickup?", "Sourdough please", "Just a croissant"
    )
    assert [hit.conversation.id for hit in repo.search("pickup sourdough")] == [both]
    assert {hit.conversation.id for hit in repo.search("sourdough")} == {both, only_one}


def test_a_conversation_appears_once_with_its_best_matching_message(repo: Repository, account_id: int) -> None:
    first = repo.save_poll(account_id, PollResult((remote_message("a", text="bread?", thread_key="dm:1"),), "c"), T0)
    later = remote_message("b", text="bread bread bread, the bread!", thread_key="dm:1", sent_at=T0 + timedelta(1))
    second = repo.save_poll(account_id, PollResult((later,), "c"), T0)
    (hit,) = repo.search("bread")
    assert hit.conversation.id == first.new_messages[0].conversation_id
    assert hit.message_id == second.new_messages[0].id


def test_better_matches_rank_first(repo: Repository, account_id: int) -> None:
    weak, strong = _store(
        repo,
        account_id,
        "We ordered a cake and some rolls and coffee and tea for the whole office party last friday",
        "Cake cake cake",
    )
    assert [hit.conversation.id for hit in repo.search("cake")] == [strong, weak]


def test_the_customer_name_is_searchable(repo: Repository, account_id: int) -> None:
    (found,) = _store(repo, account_id, "Hello!", author=RemoteAuthor("u9", "@zoe_m", "Zoë Martín"))
    assert [hit.conversation.id for hit in repo.search("zoe martin")] == [found]


def test_case_and_accents_do_not_matter(repo: Repository, account_id: int) -> None:
    (found,) = _store(repo, account_id, "Un CAFÉ crème, s'il vous plaît")
    assert [hit.conversation.id for hit in repo.search("cafe creme")] == [found]


def test_pages_continue_after_the_last_hit_without_gaps_or_repeats(repo: Repository, account_id: int) -> None:
    ids = _store(repo, account_id, *[f"parcel {'late ' * (i % 4)}number {i}" for i in range(11)])
    seen: list[int] = []
    page = repo.search("parcel", limit=4)
    while page:
        seen += [hit.conversation.id for hit in page]
        page = repo.search("parcel", limit=4, after=page[-1].after)
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(set(seen))
    everything = [hit.conversation.id for hit in repo.search("parcel", limit=50)]
    assert seen == everything


def test_broad_queries_rank_the_newest_matches_and_more_words_reach_older_ones(
    repo: Repository, account_id: int
) -> None:
    ids = _store(repo, account_id, *[f"rye loaf order {n} {'wedding' if n == 0 else ''}" for n in range(5)])
    with Session(_engine(repo)) as session:
        broad = search_conversations(session, "rye", 50, None, repo._conversations_by_id, window=3)
        narrow = search_conversations(session, "rye wedding", 50, None, repo._conversations_by_id, window=3)
    assert {hit.conversation.id for hit in broad} == set(ids[2:])  # the three newest
    assert [hit.conversation.id for hit in narrow] == [ids[0]]


def test_words_are_text_never_query_syntax(repo: Repository, account_id: int) -> None:
    (found,) = _store(repo, account_id, 'She said "NEAR" AND then OR not* (really)')
    for query in ['"NEAR"', "AND", "not*", "(really", 'said "', "NEAR(said then)", "col:said"]:
        hits = repo.search(query)
        assert [hit.conversation.id for hit in hits] in ([found], []), query
    assert [hit.conversation.id for hit in repo.search('"NEAR" AND')] == [found]


def test_queries_without_words_find_nothing(repo: Repository, account_id: int) -> None:
    _store(repo, account_id, "Great 😊 !!!")
    assert repo.search("") == []
    assert repo.search("  😊 !!! ") == []


def test_edited_text_is_found_by_its_new_words_only(repo: Repository, account_id: int) -> None:
    (found,) = _store(repo, account_id, "blue mug please")
    with _engine(repo).begin() as connection:
        connection.execute(text("UPDATE message SET text = 'green teapot please'"))
    assert repo.search("mug") == []
    assert [hit.conversation.id for hit in repo.search("teapot")] == [found]


def test_removing_an_account_removes_its_messages_from_the_index(repo: Repository, account_id: int) -> None:
    other = repo.add_account(Platform.DEMO, "@other", T0).id
    _store(repo, account_id, "lemon tart")
    (kept,) = _store(repo, other, "lemon drizzle", author=customer(2))
    repo.remove_account(account_id)
    assert [hit.conversation.id for hit in repo.search("lemon")] == [kept]


@pytest.mark.sqlite_only  # FTS5 keeps an index of its own beside the messages; PostgreSQL's index is the table's
def test_the_sqlite_index_agrees_with_the_messages_after_an_account_is_removed(
    repo: Repository, account_id: int
) -> None:
    _store(repo, account_id, "lemon tart")
    repo.remove_account(account_id)
    with _engine(repo).begin() as connection:  # raises if the index and the messages disagree
        connection.execute(text("INSERT INTO message_fts(message_fts, rank) VALUES ('integrity-check', 1)"))


def test_private_and_public_conversations_are_both_searchable(repo: Repository, account_id: int) -> None:
    dm = remote_message("d1", text="secret recipe", visibility=Visibility.PRIVATE, thread_key="dm:7")
    public = remote_message("p1", text="recipe online?", sent_at=T0 + timedelta(minutes=1))
    repo.save_poll(account_id, PollResult((dm, public), "c"), T0)
    assert {hit.conversation.visibility for hit in repo.search("recipe")} == {Visibility.PRIVATE, Visibility.PUBLIC}


@pytest.mark.sqlite_only
def test_index_triggers_exist_at_head(repo: Repository) -> None:
    with _engine(repo).connect() as connection:
        triggers = set(connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
    assert {"message_fts_insert", "message_fts_delete", "message_fts_update"} <= triggers


def test_match_expression_quotes_every_word() -> None:
    assert search_words('  a "b" 🙂 c*  ') == ["a", '"b"', "c*"]
    assert match_expression(['say "hi"', "x"]) == '"say ""hi""" "x"'
