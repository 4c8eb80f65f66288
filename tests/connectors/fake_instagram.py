"""A local fake Graph API for an Instagram professional account linked to a Facebook Page ("Facebook Login" flavour).

It extends the Facebook fake (``fake_facebook.FakeGraph``: the same server, Page tokens, faults, traffic and field
expansion) with the Instagram nodes: ``GET /{page}?fields=instagram_business_account{id,username}``,
``GET /{ig-user}/media`` (with ``comments_count``, which counts replies and comments Graph does not list yet),
``GET /{media}/comments`` (top-level comments newest first, ``replies{...}`` nested oldest first, ``limit``/``after``
cursors), ``GET /{comment}`` and ``/{comment}/replies``, ``POST /{comment}/replies`` (a reply to a reply lands under
its top-level comment), ``GET /{page}/conversations?platform=instagram`` and ``POST /{page}/messages`` (to an IGSID
inside the 24-hour window, or once per comment within 7 days as a private reply, ``recipient.comment_id``). Shapes
are modelled on Meta's documented samples (platform-apis.md section 6); nothing is copied from them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from tests.connectors.fake_facebook import OTHER_TOKEN, PAGE_ID, TOKEN, FakeGraph, graph_error, project, stamp
from tests.meta_contract import FieldSelection

IG_USER_ID = "17841405822304914"
USERNAME = "crumbandco.bakery"
CUSTOMER = "6543210987654321"  # an IGSID: the commenter's from.id and their direct-message id alike
CUSTOMER_NAME = "olena.bakes"


class FakeInstagram(FakeGraph):
    message_prefix = "aWdfZAG1faXRlbToxOklHTWVzc2FnZA"

    def __init__(self, now: Callable[[], datetime]) -> None:
        super().__init__(now)
        self.pages[TOKEN] = {
            **self.pages[TOKEN],
            "instagram_business_account": {"id": IG_USER_ID, "username": USERNAME},
        }
        self.media: dict[str, dict[str, Any]] = {}
        self.ig_comments: dict[str, dict[str, Any]] = {}
        self._ig_ids = itertools.count(17_873_440_459_141_021)

    # --- building the world ---------------------------------------------------------------------------------------

    def unlink(self) -> None:
        """The Page no longer has an Instagram account linked (Graph then leaves the field out)."""
        self.pages[TOKEN] = {k: v for k, v in self.pages[TOKEN].items() if k != "instagram_business_account"}

    def post(self, caption: str = "Fresh sourdough this Saturday!", *, at: datetime | None = None) -> str:
        media_id = str(next(self._ig_ids))
        when = at or self.now()
        self.media[media_id] = {"id": media_id, "caption": caption, "timestamp": when, "media_product_type": "FEED"}
        return media_id

    def comment(  # type: ignore[override]
        self,
        on: str,
        text: str | None = "Do you have rye bread?",
        *,
        who: tuple[str, str] = (CUSTOMER, CUSTOMER_NAME),
        at: datetime | None = None,
        hidden: bool = False,
        late: bool = False,
        withhold_author: bool = False,
    ) -> str:
        """A comment on media ``on``, or a reply to comment ``on`` (Instagram keeps replies one level deep). ``late``:
        counted in ``comments_count`` but not listed until ``reveal`` (Graph is eventually consistent)."""
        parent = self.ig_comments.get(on)
        top = (parent["parent_id"] or parent["id"]) if parent else None
        comment_id = str(next(self._ig_ids))
        self.ig_comments[comment_id] = {
            "id": comment_id,
            "media_id": parent["media_id"] if parent else on,
            "parent_id": top,
            "text": text,
            "timestamp": at or self.now(),
            "from": None if withhold_author else {"id": who[0], "username": who[1]},
            "username": who[1],
            "hidden": hidden,
            "listed": not late,
            "deleted": False,
            "private_reply": False,
        }
        return comment_id

    def reveal(self, comment_id: str) -> None:
        self.ig_comments[comment_id]["listed"] = True

    def delete_comment(self, comment_id: str) -> None:
        self.ig_comments[comment_id]["deleted"] = True

    def customer_dms(
        self,
        igsid: str = CUSTOMER,
        text: str = "Hi! Open on Sunday?",
        *,
        username: str = CUSTOMER_NAME,
        at: datetime | None = None,
    ) -> str:
        thread = self._ig_thread(igsid, username)
        return self._add_message(thread, thread["customer"], text, at)

    def _ig_thread(self, igsid: str, username: str) -> dict[str, Any]:
        """The one conversation Instagram keeps with ``igsid``."""
        if igsid not in self.conversations:
            customer = {"username": username, "id": igsid}
            thread = {"id": f"aWdfZAG{next(self._ids)}", "customer": customer, "messages": [], "last_customer": None}
            self.conversations[igsid] = thread
        return self.conversations[igsid]

    def _page_person(self) -> dict[str, str]:
        return {"username": USERNAME, "id": IG_USER_ID}

    # --- answering --------------------------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, params: dict[str, Any], auth: str
    ) -> tuple[int, Any, str | None, str | None]:
        node, edge = self.resolve(path)
        object_id = path.removeprefix("/v25.0/").strip("/").split("/")[0]
        record = self.ig_comments.get(object_id)
        known = auth.removeprefix("Bearer ") in self.pages
        if known and record is not None and record["deleted"]:
            message = f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist"
            return 400, graph_error(100, message, subcode=33, kind="GraphMethodException"), node, edge
        return super().handle(method, path, params, auth)

    def _node(self, object_id: str) -> str | None:
        if object_id == IG_USER_ID:
            return "IGUser"
        if object_id in self.media:
            return "IGMedia"
        if object_id in self.ig_comments:
            return "IGComment"
        return super()._node(object_id)

    def _route(
        self,
        method: str,
        node: str,
        object_id: str,
        edge: str | None,
        params: dict[str, Any],
        fields: tuple[FieldSelection, ...] | None,
        page: dict[str, str],
    ) -> tuple[int, Any]:
        if node == "IGUser" and edge == "media" and method == "GET":
            media = sorted(self.media.values(), key=lambda m: m["timestamp"], reverse=True)
            views = [self._media_view(m) for m in media]
            return 200, self._list(views, params, fields, "IGMedia", f"{object_id}/media")
        if node == "IGMedia" and edge == "comments" and method == "GET":
            tops = [c for c in self._listed() if c["media_id"] == object_id and c["parent_id"] is None]
            tops.sort(key=lambda c: (c["timestamp"], c["id"]), reverse=True)
            views = [self._comment_view(c, nested=True) for c in tops]
            return 200, self._list(views, params, fields, "IGComment", f"{object_id}/comments")
        if node == "IGComment" and edge == "replies" and method == "GET":
            views = [self._comment_view(c) for c in self._replies(object_id)]
            return 200, self._list(views, params, fields, "IGComment", f"{object_id}/replies")
        if node == "IGComment" and edge == "replies" and method == "POST":
            return self._reply(object_id, params)
        if node == "IGComment" and edge is None and method == "GET":
            return 200, project(self._comment_view(self.ig_comments[object_id]), fields, "IGComment")
        if node == "Page" and edge == "conversations" and params.get("platform") != "instagram":
            return 200, {"data": []}  # Messenger's conversations: this Page has none
        return super()._route(method, node, object_id, edge, params, fields, page)

    def _listed(self) -> list[dict[str, Any]]:
        return [c for c in self.ig_comments.values() if c["listed"] and not c["deleted"]]

    def _replies(self, comment_id: str) -> list[dict[str, Any]]:
        replies = [c for c in self._listed() if c["parent_id"] == comment_id]
        return sorted(replies, key=lambda c: (c["timestamp"], c["id"]))

    def _media_view(self, media: dict[str, Any]) -> dict[str, Any]:
        count = sum(1 for c in self.ig_comments.values() if c["media_id"] == media["id"] and not c["deleted"])
        return {
            "id": media["id"],
            "caption": media["caption"],
            "timestamp": stamp(media["timestamp"]),
            "comments_count": count,
            "permalink": f"https://www.instagram.com/p/C{media['id'][-9:]}/",
            "media_product_type": media["media_product_type"],
        }

    def _comment_view(self, record: dict[str, Any], *, nested: bool = False) -> dict[str, Any]:
        view: dict[str, Any] = {"id": record["id"], "timestamp": stamp(record["timestamp"])}
        if record["text"] is not None:
            view["text"] = record["text"]
        view["username"] = record["username"]
        if record["from"] is not None:
            view["from"] = record["from"]
        if record["parent_id"]:
            view["parent_id"] = record["parent_id"]
        view["hidden"] = record["hidden"]
        if nested:
            replies = [self._comment_view(c) for c in self._replies(record["id"])]
            if replies:
                view["replies"] = {"data": replies}
        return view

    def _reply(self, comment_id: str, params: dict[str, Any]) -> tuple[int, Any]:
        text = params.get("message")
        if not isinstance(text, str) or not text.strip():
            return 400, graph_error(100, "(#100) The parameter message is required", kind="OAuthException")
        if self.ig_comments[comment_id]["hidden"]:
            return 400, graph_error(100, "(#100) Cannot reply to a hidden comment", kind="OAuthException")
        return 200, {"id": self.comment(comment_id, text, who=(IG_USER_ID, USERNAME))}

    def _send_message(self, params: dict[str, Any]) -> tuple[int, Any]:
        recipient = params.get("recipient") if isinstance(params.get("recipient"), dict) else {}
        if "comment_id" not in recipient:
            return super()._send_message(params)
        record = self.ig_comments.get(str(recipient["comment_id"]))
        text = (params.get("message") or {}).get("text") if isinstance(params.get("message"), dict) else None
        if record is None or record["deleted"] or record["from"] is None:
            return 400, graph_error(100, "(#100) No matching comment found", subcode=2018001)
        if not isinstance(text, str) or not text:
            return 400, graph_error(100, "(#100) The parameter message is required")
        if record["private_reply"] or self.now() - record["timestamp"] > timedelta(days=7):
            return 400, graph_error(10, "(#10) This message is sent outside of allowed window.", subcode=2534022)
        record["private_reply"] = True
        igsid = record["from"]["id"]
        self._ig_thread(igsid, record["username"])
        message_id = self.page_writes(igsid, text)
        return 200, {"recipient_id": igsid, "message_id": message_id}


__all__ = ["CUSTOMER", "IG_USER_ID", "OTHER_TOKEN", "PAGE_ID", "TOKEN", "USERNAME", "FakeInstagram"]
