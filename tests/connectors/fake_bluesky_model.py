"""The fake Bluesky's world: accounts, posts, ids and times as the real network spells them."""

from __future__ import annotations

import base64
import copy
import dataclasses
import functools
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "bluesky"
SHOP_DID = "did:plc:shopshopshopshopshopshop"
SHOP_HANDLE = "crumbandco.bsky.social"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"
CHAT_PROXY = "did:web:api.bsky.chat#bsky_chat"
ACCESS_LIFETIME = timedelta(hours=2)
REFRESH_LIFETIME = timedelta(days=90)
REFRESH_GRACE = timedelta(hours=2)
_B32 = "234567abcdefghijklmnopqrstuvwxyz"
Json = dict[str, Any]


def fixture(name: str) -> Any:
    """A fresh copy of a fixture (read once: the fake builds thousands of answers from them)."""
    return copy.deepcopy(_fixture(name))


@functools.cache
def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def tid(n: int) -> str:
    """A record key in TID form (13 base32-sortable characters) from a counter: later counters sort later."""
    chars = []
    value = (1 << 60) + n  # a plausible timestamp prefix; the top bit stays 0 as TIDs require
    for _ in range(13):
        chars.append(_B32[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def cid_of(data: Any) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).digest()
    return "bafyrei" + base64.b32encode(digest).decode().lower().rstrip("=")[:52]


def did_for(handle: str) -> str:
    return "did:plc:" + base64.b32encode(hashlib.sha256(handle.encode()).digest()).decode().lower()[:24]


@dataclasses.dataclass
class Actor:
    did: str
    handle: str
    display_name: str

    def profile(self) -> Json:
        view: Json = fixture("profile_view.json")
        avatar = view["avatar"].replace("did:plc:placeholder", self.did)
        return view | {"did": self.did, "handle": self.handle, "displayName": self.display_name, "avatar": avatar}

    def basic(self) -> Json:
        return {"did": self.did, "handle": self.handle, "displayName": self.display_name}


@dataclasses.dataclass
class Post:
    uri: str
    cid: str
    author: Actor
    record: Json
    indexed_at: datetime

    def view(self) -> Json:
        return {
            "uri": self.uri,
            "cid": self.cid,
            "author": self.author.basic(),
            "record": self.record,
            "indexedAt": iso(self.indexed_at),
            "replyCount": 0,
            "repostCount": 0,
            "likeCount": 0,
            "quoteCount": 0,
            "labels": [],
        }
