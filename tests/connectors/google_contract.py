"""A small hand-written schema of the Google APIs Social Inbox uses, from their documented reference pages.

There are no recorded Google Business Profile payloads and no machine-readable spec beside the project, so the fields
below are the documented ones (developers.google.com: my-business v4 ``accounts.locations.reviews`` and
``updateReply``, Account Management v1 ``accounts.list``, Business Information v1 ``accounts.locations.list``,
"OAuth 2.0 for iOS & Desktop Apps", and the ``google.rpc.Status`` error envelope). The fake's answers and the
connector's requests are both checked against them: a field that is not documented fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?(Z|[+-]\d\d:\d\d)$")
RPC_CODES = frozenset(
    {
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
        "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    }
)  # fmt: skip
STAR_RATINGS = frozenset({"STAR_RATING_UNSPECIFIED", "ONE", "TWO", "THREE", "FOUR", "FIVE"})

# A schema is a dict of field -> kind; a kind is a type, a set of allowed values, a regex, or a nested schema.
REVIEWER = {"profilePhotoUrl": str, "displayName": str, "isAnonymous": bool}
REVIEW_REPLY = {"comment": str, "updateTime": TIMESTAMP}
REVIEW = {
    "name": re.compile(r"^accounts/[^/]+/locations/[^/]+/reviews/[^/]+$"),
    "reviewId": str,
    "reviewer": REVIEWER,
    "starRating": STAR_RATINGS,
    "comment": str,
    "createTime": TIMESTAMP,
    "updateTime": TIMESTAMP,
    "reviewReply": REVIEW_REPLY,
    "reviewMediaItems": list,
}
LIST_REVIEWS = {"reviews": [REVIEW], "averageRating": float, "totalReviewCount": int, "nextPageToken": str}
ACCOUNT = {
    "name": re.compile(r"^accounts/[^/]+$"),
    "accountName": str,
    "primaryOwner": str,
    "type": {"ACCOUNT_TYPE_UNSPECIFIED", "PERSONAL", "LOCATION_GROUP", "USER_GROUP", "ORGANIZATION"},
    "role": str,
    "verificationState": str,
    "vettedState": str,
    "accountNumber": str,
    "permissionLevel": str,
    "organizationInfo": dict,
}
LIST_ACCOUNTS = {"accounts": [ACCOUNT], "nextPageToken": str}
LOCATION = {"name": re.compile(r"^locations/[^/]+$"), "title": str}  # only what readMask=name,title returns
LIST_LOCATIONS = {"locations": [LOCATION], "nextPageToken": str, "totalSize": int}
ERROR = {"error": {"code": int, "message": str, "status": RPC_CODES, "details": list}}
TOKEN_ANSWER = {
    "access_token": str,
    "expires_in": int,
    "refresh_token": str,
    "refresh_token_expires_in": int,
    "scope": str,
    "token_type": {"Bearer"},
    "id_token": str,
}
TOKEN_ERROR = {"error": str, "error_description": str}

# Requests: the query parameters (or form fields) each call may carry, and those it must.
AUTHORIZE_PARAMS = {
    "client_id", "redirect_uri", "response_type", "scope", "code_challenge", "code_challenge_method", "state",
    "access_type", "prompt", "login_hint", "include_granted_scopes", "enable_granular_consent",
}  # fmt: skip
AUTHORIZE_REQUIRED = {"client_id", "redirect_uri", "response_type", "scope"}
TOKEN_FORMS = {
    "authorization_code": {"client_id", "client_secret", "code", "code_verifier", "grant_type", "redirect_uri"},
    "refresh_token": {"client_id", "client_secret", "grant_type", "refresh_token"},
}
LIST_REVIEWS_PARAMS = {"pageSize", "pageToken", "orderBy"}
ORDER_BY = {"rating", "rating desc", "updateTime desc"}
LIST_ACCOUNTS_PARAMS = {"parentAccount", "pageSize", "pageToken", "filter"}
LIST_LOCATIONS_PARAMS = {"pageSize", "pageToken", "filter", "orderBy", "readMask"}
REPLY_BODY = {"comment": str}  # ReviewReply's writable field; updateTime is output only


def check(value: Any, schema: Any, where: str = "$") -> None:
    """AssertionError naming the first place ``value`` strays from ``schema``."""
    if isinstance(schema, dict):
        assert isinstance(value, dict), f"{where}: expected an object, got {type(value).__name__}"
        for key, item in value.items():
            assert key in schema, f"{where}.{key}: not a documented field"
            check(item, schema[key], f"{where}.{key}")
    elif isinstance(schema, list):
        assert isinstance(value, list), f"{where}: expected a list"
        for index, item in enumerate(value):
            check(item, schema[0], f"{where}[{index}]")
    elif isinstance(schema, re.Pattern):
        assert isinstance(value, str) and schema.match(value), f"{where}: {value!r} is not of the documented form"
    elif isinstance(schema, set | frozenset):
        assert value in schema, f"{where}: {value!r} is not one of the documented values"
    elif schema is float:
        assert isinstance(value, int | float) and not isinstance(value, bool), f"{where}: expected a number"
    else:
        assert isinstance(value, schema) and not (schema is int and isinstance(value, bool)), f"{where}: {value!r}"


def check_params(
    params: Mapping[str, str], allowed: set[str], required: frozenset[str] | set[str] = frozenset(), where: str = ""
) -> None:
    assert set(params) <= allowed, f"{where}: undocumented parameters {sorted(set(params) - allowed)}"
    assert required <= set(params), f"{where}: missing {sorted(required - set(params))}"
