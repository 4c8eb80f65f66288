"""The chat part of the fake Bluesky: ``chat.bsky.convo.*`` as the PDS proxies it to the Bluesky chat service.

Conversations hold messages oldest first; every message also lands in a log whose ``rev``s sort in time order, as
``getLog`` serves them (``logCreateMessage`` with ``relatedProfiles`` unless ``log_profiles`` is off). Requests need
``atproto-proxy: did:web:api.bsky.chat#bsky_chat`` and a token whose scope allows direct messages.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx

from tests.connectors.fake_bluesky_model import CHAT_PROXY, SHOP_DID, Actor, fixture, iso, tid

if TYPE_CHECKING:
    from tests.connectors.fake_bluesky import FakeBluesky

Json = dict[str, Any]
Answer = tuple[int, Any, dict[str, str]]
MESSAGE_VIEW = "chat.bsky.convo.defs#messageView"
PRIVILEGED = frozenset({"com.atproto.access", "com.atproto.appPassPrivileged"})


@dataclasses.dataclass
class Convo:
    id: str
    members: list[Actor]
    messages: list[Json] = dataclasses.field(default_factory=list)
    rev: str = ""
    status: str = "accepted"
    group_name: str = ""  # a group chat when set


class ChatService:
    def __init__(self, fake: FakeBluesky) -> None:
        self.fake = fake
        self.convos: dict[str, Convo] = {}
        self.log: list[Json] = []
        self.log_profiles = True
        self.log_page = 50
        self.sent: list[Json] = []  # sendMessage bodies, as sent
        self._counter = itertools.count(1)

    def dm(
        self, customer: Actor, text: str, *, from_shop: bool = False, sent_at: datetime | None = None, **extra: Any
    ) -> Json:
        """A direct message between ``customer`` and the shop (``from_shop``: the shop wrote it, in the Bluesky app)."""
        sender = self.fake.actors[SHOP_DID] if from_shop else customer
        return self._add(self._convo_with(customer), sender, {"text": text, **extra}, sent_at)

    def group(self, name: str, members: list[Actor]) -> Convo:
        convo = Convo(tid(5000 + next(self._counter)), [self.fake.actors[SHOP_DID], *members], group_name=name)
        convo.rev = self._next_rev()
        self.convos[convo.id] = convo
        return convo

    def say(self, convo: Convo, sender: Actor, text: str) -> Json:
        return self._add(convo, sender, {"text": text}, None)

    def delete_message(self, message: Json) -> None:
        """The sender deleted it: from now on it is served as a ``deletedMessageView`` (no text)."""
        message["deleted"] = True

    def handle(self, nsid: str, request: httpx.Request, body: Any, scope: str) -> Answer:
        if request.headers.get("atproto-proxy") != CHAT_PROXY:
            return 400, {"error": "InvalidRequest", "message": "chat methods need the atproto-proxy header"}, {}
        if scope not in PRIVILEGED:
            return 400, {"error": "InvalidToken", "message": "Bad token method"}, {}
        params = request.url.params
        method = getattr(self, "_" + nsid.rsplit(".", 1)[-1], None)
        if method is None:
            return 501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"}, {}
        answer: Answer = method(params, body)
        return answer

    # --- methods ----------------------------------------------------------------------------------

    def _listConvos(self, params: httpx.QueryParams, body: Any) -> Answer:
        convos = sorted(self.convos.values(), key=lambda c: c.rev, reverse=True)
        if "cursor" in params:
            convos = [c for c in convos if c.rev < params["cursor"]]
        page = convos[: int(params.get("limit", "50"))]
        answer: Json = {"convos": [self.view(c) for c in page]}
        if len(convos) > len(page):
            answer["cursor"] = page[-1].rev
        return 200, answer, {}

    def _getConvo(self, params: httpx.QueryParams, body: Any) -> Answer:
        convo = self.convos.get(params.get("convoId", ""))
        if convo is None:
            return 400, {"error": "InvalidConvo", "message": "Convo not found"}, {}
        return 200, {"convo": self.view(convo)}, {}

    def _getConvoForMembers(self, params: httpx.QueryParams, body: Any) -> Answer:
        member = self.fake.actors.get(params.get("members", ""))
        if member is None:
            return 400, {"error": "InvalidRequest", "message": "member not found"}, {}
        return 200, {"convo": self.view(self._convo_with(member))}, {}

    def _getMessages(self, params: httpx.QueryParams, body: Any) -> Answer:
        convo = self.convos.get(params.get("convoId", ""))
        if convo is None:
            return 400, {"error": "InvalidConvo", "message": "Convo not found"}, {}
        newest_first = list(reversed(convo.messages))
        if "cursor" in params:
            newest_first = [m for m in newest_first if m["rev"] < params["cursor"]]
        page = newest_first[: int(params.get("limit", "50"))]
        answer: Json = {"messages": [_served(m) for m in page]}
        if len(newest_first) > len(page):
            answer["cursor"] = page[-1]["rev"]
        return 200, answer, {}

    def _getLog(self, params: httpx.QueryParams, body: Any) -> Answer:
        cursor = params.get("cursor")
        if cursor is None:
            return 200, {"logs": [], **({"cursor": self.log[-1]["rev"]} if self.log else {})}, {}
        later = [entry for entry in self.log if entry["rev"] > cursor][: self.log_page]
        return 200, {"logs": later, "cursor": later[-1]["rev"] if later else cursor}, {}

    def _sendMessage(self, params: httpx.QueryParams, body: Any) -> Answer:
        self.sent.append(body)
        convo = self.convos.get(body.get("convoId", ""))
        if convo is None:
            return 400, {"error": "InvalidConvo", "message": "Convo not found"}, {}
        if convo.status == "locked":
            return 400, {"error": "ConvoLocked", "message": "Convo is locked"}, {}
        message = self._add(convo, self.fake.actors[SHOP_DID], dict(body["message"]), None)
        return 200, message, {}

    # --- helpers ----------------------------------------------------------------------------------

    def view(self, convo: Convo) -> Json:
        view: Json = fixture("convo_view.json")
        view |= {
            "id": convo.id,
            "rev": convo.rev,
            "members": [m.basic() for m in convo.members],
            "status": convo.status,
        }
        if convo.messages:
            view["lastMessage"] = _served(convo.messages[-1])
        if convo.group_name:
            view["kind"] = {
                "$type": "chat.bsky.convo.defs#groupConvo",
                "createdAt": iso(self.fake.now()),
                "lockStatus": "unlocked",
                "lockStatusModerationOverride": False,
                "memberCount": len(convo.members),
                "memberLimit": 50,
                "name": convo.group_name,
            }
        return view

    def _convo_with(self, customer: Actor) -> Convo:
        for convo in self.convos.values():
            if [m.did for m in convo.members] == [SHOP_DID, customer.did]:
                return convo
        convo = Convo(id=tid(5000 + next(self._counter)), members=[self.fake.actors[SHOP_DID], customer])
        convo.rev = self._next_rev()
        self.convos[convo.id] = convo
        return convo

    def _add(self, convo: Convo, sender: Actor, content: Json, sent_at: datetime | None) -> Json:
        rev = self._next_rev()
        message = {
            "id": tid(9000 + next(self._counter)),
            "rev": rev,
            **content,
            "sender": {"did": sender.did},
            "sentAt": iso(sent_at or self.fake.now()),
        }
        convo.messages.append(message)
        convo.rev = rev
        entry: Json = {
            "$type": "chat.bsky.convo.defs#logCreateMessage",
            "rev": rev,
            "convoId": convo.id,
            "message": {"$type": MESSAGE_VIEW, **message},
        }
        if self.log_profiles:
            entry["relatedProfiles"] = [sender.basic()]
        self.log.append(entry)
        return message

    def _next_rev(self) -> str:
        return tid(20000 + next(self._counter))


def _served(message: Json) -> Json:
    if message.get("deleted"):
        kept = {key: message[key] for key in ("id", "rev", "sender", "sentAt")}
        return {"$type": "chat.bsky.convo.defs#deletedMessageView", **kept}
    return {"$type": MESSAGE_VIEW, **message}
