"""A local fake of ``graph.instagram.com`` for an Instagram professional account without a Facebook Page ("Instagram
Login" flavour).

It is the Instagram fake (``fake_instagram.FakeInstagram``: the same media, comments, replies, conversations, faults
and traffic) reached with Instagram User tokens instead of a Page's: ``GET /me?fields=user_id,username``,
``GET /me/media``, ``GET /me/conversations?platform=instagram``, ``POST /me/messages`` (a direct message, or a private
reply with ``recipient.comment_id``), and ``GET /refresh_access_token?grant_type=ig_refresh_token&access_token=...``
at the host's root (the token must be at least 24 hours old and unexpired; the old token keeps working until its own
end). Tokens last 60 days from when they were issued; an expired or unknown one is Graph's error 190. Shapes follow
Meta's documentation of these endpoints (platform-apis.md section 6); nothing is copied from it.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from socialinbox.connectors.instagram_login import InstagramToken
from tests.connectors.fake_facebook import graph_error, out_of_reach, project
from tests.connectors.fake_instagram import CUSTOMER, IG_USER_ID, USERNAME, FakeInstagram
from tests.meta_contract import parse_fields

IG_TOKEN = "IGAAKfakeInstagramUserTokenZBZCxY7qW0dLrT9mNvU2kS8hJ3gF5aE1cB6dZAbC"
OTHER_IG_TOKEN = "IGAAKfakeOtherAccountsTokenQQ2xY7qW0dLrT9mNvU2kS8hJ3gF5aE1cZZxYzW"
OTHER_USER_ID = "17841400000000077"
OTHER_USERNAME = "rival.buns"
APP_SCOPED_ID = "27184956301928374"  # what /me calls "id": scoped to the app, not what comments and chats name
LIFETIME = timedelta(days=60)
REFRESH = "refresh_access_token"
UNCOVERED = {  # what the shared Meta specs (facebook-business-sdk's) do not describe: graph.instagram.com's own
    ("GET", "IGUser", None),  # /me?fields=user_id,username: the spec's IGUser has no user_id
    ("GET", "IGUser", "conversations"),
    ("POST", "IGUser", "messages"),
    ("GET", "InstagramToken", REFRESH),
}


def pasted(now: datetime, token: str = IG_TOKEN) -> str:
    """What the set-up keeps in the keyring for ``token`` pasted at ``now``."""
    return InstagramToken.pasted(token, now).to_token()


def covered(traffic: Iterable[Any]) -> list[Any]:
    """The exchanges the shared specs describe."""
    return [e for e in traffic if (e.method, e.node, e.edge) not in UNCOVERED]


@dataclasses.dataclass
class Issued:
    user_id: str
    username: str
    issued_at: datetime

    def expired(self, now: datetime) -> bool:
        return now >= self.issued_at + LIFETIME


class FakeInstagramLogin(FakeInstagram):
    def __init__(self, now: Callable[[], datetime]) -> None:
        super().__init__(now)
        self.tokens: dict[str, Issued] = {
            IG_TOKEN: Issued(IG_USER_ID, USERNAME, now()),
            OTHER_IG_TOKEN: Issued(OTHER_USER_ID, OTHER_USERNAME, now()),
        }
        self.me_in_a_list = False  # answer /me as Meta's guide shows it, wrapped in {"data": [...]}
        self._renewed = itertools.count(1)

    def issue(self, token: str = IG_TOKEN, *, age: timedelta) -> None:
        """Make ``token`` as old as ``age`` (60 days or more: expired)."""
        self.tokens[token].issued_at = self.now() - age

    def renewed_tokens(self) -> list[str]:
        return [token for token in self.tokens if token not in (IG_TOKEN, OTHER_IG_TOKEN)]

    # --- answering --------------------------------------------------------------------------------------------------

    def resolve(self, path: str) -> tuple[str | None, str | None]:
        if path.strip("/") == REFRESH:
            return "InstagramToken", REFRESH  # not a Graph node: the fake names its route "GET refresh_access_token"
        return super().resolve(path)

    def _node(self, object_id: str) -> str | None:
        return "IGUser" if object_id == "me" else super()._node(object_id)

    def handle(
        self, method: str, path: str, params: dict[str, Any], auth: str
    ) -> tuple[int, Any, str | None, str | None]:
        node, edge = self.resolve(path)
        if edge == REFRESH:
            return (*self._refresh(method, params), node, edge)
        issued = self.tokens.get(auth.removeprefix("Bearer ")) if auth.startswith("Bearer ") else None
        if issued is None:
            return 400, graph_error(190, "Invalid OAuth access token - Cannot parse access token"), node, edge
        if issued.expired(self.now()):
            message = "Error validating access token: Session has expired on Sunday, 02-Aug-26 10:00:00 PDT."
            return 400, graph_error(190, message, subcode=463), node, edge
        object_id = path.removeprefix("/v25.0/").strip("/").split("/")[0]
        record = self.ig_comments.get(object_id)
        if node is None or (record is not None and record["deleted"]):
            return 400, out_of_reach(object_id), node or "IGComment", edge
        fields = parse_fields(str(params.get("fields", ""))) if params.get("fields") else None
        with self._lock:
            if object_id == "me" and issued.user_id != IG_USER_ID and edge is not None:
                return 400, out_of_reach("me"), node, edge  # the other account's world is not modelled
            if object_id == "me" and edge is None and method == "GET":
                me = {"user_id": issued.user_id, "username": issued.username, "id": APP_SCOPED_ID}
                shown = project(me, fields, "IGUser")
                return 200, ({"data": [shown]} if self.me_in_a_list else shown), node, edge
            if object_id == "me" and edge == "conversations" and method == "GET":
                if params.get("platform") != "instagram":
                    return 400, graph_error(100, "(#100) Param platform must be instagram"), node, edge
                return 200, self._conversation_list("me", params, fields), node, edge
            if object_id == "me" and edge == "messages" and method == "POST":
                return (*self._send_message(params), node, edge)
            return (*self._route(method, node, object_id, edge, params, fields, {"id": ""}), node, edge)

    def _refresh(self, method: str, params: dict[str, Any]) -> tuple[int, Any]:
        if method != "GET" or params.get("grant_type") != "ig_refresh_token":
            return 400, graph_error(100, "(#100) grant_type must be ig_refresh_token")
        issued = self.tokens.get(str(params.get("access_token")))
        if issued is None:
            return 400, graph_error(190, "Invalid OAuth access token - Cannot parse access token")
        if issued.expired(self.now()):
            return 400, graph_error(190, "Error validating access token: Session has expired", subcode=463)
        if self.now() - issued.issued_at < timedelta(hours=24):
            return 400, graph_error(100, "(#100) The access token is too new to be refreshed")
        token = f"IGAAKrenewed{next(self._renewed):04d}TokenZBZCxY7qW0dLrT9mNvU2kS8hJ3gF5aE1cB6d"
        self.tokens[token] = Issued(issued.user_id, issued.username, self.now())
        return 200, {"access_token": token, "token_type": "bearer", "expires_in": int(LIFETIME.total_seconds())}


__all__ = [
    "APP_SCOPED_ID",
    "CUSTOMER",
    "IG_TOKEN",
    "IG_USER_ID",
    "OTHER_IG_TOKEN",
    "OTHER_USERNAME",
    "UNCOVERED",
    "USERNAME",
    "FakeInstagramLogin",
    "covered",
    "pasted",
]
