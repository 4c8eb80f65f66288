"""Reading stored messages: a conversation's thread (whole, or its newest part), messages by id, and the ids a
team's other copies stored since a copy last looked."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from socialinbox.domain import Direction, Message
from socialinbox.storage.convert import to_message
from socialinbox.storage.models import MessageRow


class MessageMixin:
    if TYPE_CHECKING:

        def _reading(self) -> AbstractContextManager[Session]: ...

    def messages(self, conversation_id: int, newest: int | None = None) -> list[Message]:
        """The thread, oldest first: the whole of it, or only its ``newest`` messages (the pane shows a long
        thread's latest part first, so a customer with years of chat does not freeze the window)."""
        where = col(MessageRow.conversation_id) == conversation_id
        if newest is None:
            query = select(MessageRow).where(where).order_by(col(MessageRow.sent_at), col(MessageRow.id))
        else:  # the same index (conversation_id, sent_at, id), walked from its end
            order = (col(MessageRow.sent_at).desc(), col(MessageRow.id).desc())
            query = select(MessageRow).where(where).order_by(*order).limit(newest)
        with self._reading() as session:
            found = [to_message(row) for row in session.scalars(query)]
        return found if newest is None else found[::-1]

    def messages_by_id(self, ids: Sequence[int]) -> list[Message]:
        """These messages, in id order; ids gone are left out."""
        with self._reading() as session:
            return self._messages_by_id(session, list(ids))

    @staticmethod
    def _messages_by_id(session: Session, ids: list[int]) -> list[Message]:
        if not ids:
            return []
        table = MessageRow.__table__  # type: ignore[attr-defined]
        # Core rows carry the same attribute names as the ORM's, at a fraction of the cost for a whole poll's worth.
        rows = session.connection().execute(select(table).where(table.c.id.in_(ids)).order_by(table.c.id)).all()
        return [to_message(cast(MessageRow, row)) for row in rows]

    # --- a team's news (ui/team_news.py) ----------------------------------------------------

    def newest_message_id(self) -> int:
        """The highest message id stored, 0 in an empty inbox: where a copy starts to follow its team's news."""
        with self._reading() as session:
            return int(session.execute(select(func.max(col(MessageRow.id)))).scalar_one() or 0)

    def inbound_ids_after(self, message_id: int) -> list[int]:
        """The customers' messages stored above ``message_id``, oldest first, by any copy: a range of the primary
        key, a few ids each half minute."""
        query = (
            select(col(MessageRow.id))
            .where(col(MessageRow.id) > message_id, col(MessageRow.direction) == Direction.INBOUND.value)
            .order_by(col(MessageRow.id))
        )
        with self._reading() as session:
            return list(session.scalars(query))
