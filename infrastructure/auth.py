"""Bearer tokens: HS256 JWTs issued by another team, verified here; `mint` is for development."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import inf
from typing import Any

import jwt
from cachetools import LRUCache
from jwt.exceptions import InvalidSubjectError

from domain.member import MAX_MEMBER_TEXT, InvalidToken, Member, Role, Viewer, member_id_problem
from domain.text import text_problem

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("sub", "exp")
LAST_MOMENT = datetime.max.replace(tzinfo=UTC)
SUBJECT_RULE = f"the token's sub claim must be a member id of 1 to {MAX_MEMBER_TEXT} characters"


KEPT_TOKENS = 4096
"""Tokens verified lately whose viewer is kept (a client sends the same token with every
request until it expires)."""


@dataclass(frozen=True, slots=True)
class _Verified:
    """A token that verified: its viewer, and the moments between which it stays valid."""

    viewer: Viewer
    valid_from: float
    """Its `iat` or `nbf`, whichever is later (PyJWT refuses a token before either)."""
    expires: int


class JwtVerifier:
    """Verifies HS256 tokens with one secret: signature, algorithm, expiry and claims.

    A token that verified is kept with its viewer (the last `KEPT_TOKENS`), and is not verified
    again while the clock is within its `iat`, `nbf` and `exp`, as PyJWT reads them: the same
    text signed by the same secret makes the same claims. Outside them, or not kept, it is
    verified the whole way, which refuses it with its reason."""

    def __init__(self, secret: str) -> None:
        self._secret = secret
        self._verified: LRUCache[str, _Verified] = LRUCache(KEPT_TOKENS)

    def __call__(self, token: str) -> Viewer:
        kept = self._verified.get(token)
        if kept is not None:
            now = datetime.now(UTC).timestamp()
            if kept.valid_from <= now < kept.expires:
                return kept.viewer
        claims = _verified_claims(token, self._secret)
        viewer = _viewer_from_claims(claims)
        valid_from = max((int(claims[c]) for c in ("iat", "nbf") if c in claims), default=-inf)
        self._verified[token] = _Verified(viewer, valid_from, int(claims["exp"]))
        return viewer


def viewer_from_token(token: str, secret: str) -> Viewer:
    return _viewer_from_claims(_verified_claims(token, secret))


def _verified_claims(token: str, secret: str) -> dict[str, Any]:
    """The token's claims once PyJWT verified its signature, algorithm and times."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("the token has expired") from exc
    except jwt.ImmatureSignatureError as exc:
        raise InvalidToken("the token is not valid yet") from exc
    except jwt.InvalidSignatureError as exc:
        raise InvalidToken("the token's signature does not verify") from exc
    except jwt.InvalidAlgorithmError as exc:
        raise InvalidToken(f"the token must be signed with {ALGORITHM}") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise InvalidToken(f"the token has no {exc.claim} claim") from exc
    except InvalidSubjectError as exc:
        raise InvalidToken(SUBJECT_RULE) from exc
    except jwt.InvalidAudienceError as exc:
        # PyJWT refuses any `aud` when it is given none to expect: this service names none
        raise InvalidToken("the token names an audience (aud); this service accepts none") from exc
    except jwt.InvalidTokenError as exc:
        raise InvalidToken("the token is malformed") from exc
    return claims


def _viewer_from_claims(claims: dict[str, object]) -> Viewer:
    """The viewer a verified token names. Its claims become a member row, so they are held to
    the rules of what may be stored here: a claim that breaks them refuses the token, rather
    than failing the member's upsert on every request."""
    subject = claims.get("sub")
    if not isinstance(subject, str):
        raise InvalidToken(SUBJECT_RULE)
    if problem := member_id_problem("the token's sub claim", subject):
        raise InvalidToken(problem)
    raw_role = claims.get("role", Role.CUSTOMER.value)
    if raw_role not in (Role.CUSTOMER.value, Role.STAFF.value):
        raise InvalidToken("the token's role must be customer or staff")
    role = Role(str(raw_role))
    name, email = _text_claim(claims, "name"), _text_claim(claims, "email")
    member = Member(id=subject, name=name, email=email)
    return Viewer(member=member, role=role, valid_until=_expiry(claims))


def _expiry(claims: dict[str, Any]) -> datetime:
    """The moment PyJWT starts refusing the token: its `exp` (a required claim), which PyJWT
    reads as int(exp). An `exp` past what a datetime holds (year 9999; one written in
    milliseconds is year 55,000), which PyJWT accepts, is `datetime.max`, where it raised."""
    try:
        return datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (OverflowError, OSError, ValueError):
        return LAST_MOMENT


def _text_claim(claims: dict[str, object], name: str) -> str | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidToken(f"the token's {name} claim must be text")
    claim = f"the token's {name} claim"
    if problem := text_problem(claim, value, limit=MAX_MEMBER_TEXT, required=False):
        raise InvalidToken(problem)
    return value


def mint_token(
    *,
    secret: str,
    member_id: str,
    role: Role = Role.CUSTOMER,
    name: str | None = None,
    email: str | None = None,
    lifetime: timedelta = timedelta(hours=12),
) -> str:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": member_id,
        "role": role.value,
        "iat": now,
        "exp": now + lifetime,
    }
    if name is not None:
        claims["name"] = name
    if email is not None:
        claims["email"] = email
    return jwt.encode(claims, secret, algorithm=ALGORITHM)
