from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import jwt
import pytest

from domain.member import InvalidToken, Role
from infrastructure.auth import LAST_MOMENT, JwtVerifier, mint_token, viewer_from_token

SECRET = "unit-test-secret-" + "y" * 50


def test_a_minted_token_verifies_to_its_member_and_role() -> None:
    token = mint_token(
        secret=SECRET, member_id="m-1", role=Role.STAFF, name="김민준", email="m@example.com"
    )
    viewer = viewer_from_token(token, SECRET)
    assert viewer.member.id == "m-1"
    assert viewer.member.name == "김민준"
    assert viewer.is_staff


def test_role_defaults_to_customer() -> None:
    token = jwt.encode({"sub": "m-2", "exp": datetime.now(UTC) + timedelta(minutes=5)}, SECRET)
    assert viewer_from_token(token, SECRET).role is Role.CUSTOMER


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"sub": "m", "exp": -60}, "expired"),
        ({"sub": "m", "exp": 600, "nbf": 300}, "not valid yet"),
        ({"exp": 600}, "no sub claim"),
        ({"sub": "m"}, "no exp claim"),
        ({"sub": "", "exp": 600}, "sub claim"),
        ({"sub": 42, "exp": 600}, "sub"),
        ({"sub": "m", "exp": 600, "role": "admin"}, "role must be"),
        ({"sub": "m", "exp": 600, "aud": "another-service"}, "audience"),
        ({"sub": "m", "exp": 600, "aud": ["orders", "payments"]}, "audience"),
    ],
)
def test_untrusted_claims_are_refused_with_a_reason(claims: dict[str, object], reason: str) -> None:
    now = int(datetime.now(UTC).timestamp())
    timed = {
        k: (now + v if k in ("exp", "nbf") and isinstance(v, int) else v) for k, v in claims.items()
    }
    with pytest.raises(InvalidToken, match=reason):
        viewer_from_token(jwt.encode(timed, SECRET), SECRET)


def test_signature_and_algorithm_are_checked() -> None:
    claims = {"sub": "m", "exp": datetime.now(UTC) + timedelta(minutes=5)}
    with pytest.raises(InvalidToken, match="signature"):
        viewer_from_token(jwt.encode(claims, "x" * 64), SECRET)
    with pytest.raises(InvalidToken, match="HS256"):
        viewer_from_token(jwt.encode(claims, SECRET + "z" * 20, algorithm="HS512"), SECRET)
    with pytest.raises(InvalidToken):
        viewer_from_token(jwt.encode(claims, None, algorithm="none"), SECRET)


class _HourLater(datetime):
    """The clock PyJWT and the verifier read, an hour on."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _HourLater:
        moment = datetime.now(tz) + timedelta(hours=1)
        return cls.fromtimestamp(moment.timestamp(), tz)


def test_a_verified_token_is_kept_until_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[str] = []
    decode = jwt.decode

    def counted(token: str, *args: Any, **kwargs: Any) -> Any:
        decoded.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counted)
    verify = JwtVerifier(SECRET)
    token = mint_token(secret=SECRET, member_id="m-3", lifetime=timedelta(minutes=30))
    first, second = verify(token), verify(token)
    assert first == second
    assert second.member.id == "m-3"
    assert decoded == [token]
    monkeypatch.setattr("jwt.api_jwt.datetime", _HourLater)
    monkeypatch.setattr("infrastructure.auth.datetime", _HourLater)
    with pytest.raises(InvalidToken, match="expired"):
        verify(token)
    assert decoded == [token, token]


def test_a_viewer_is_valid_until_its_token_expires() -> None:
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=7)
    token = jwt.encode({"sub": "m-4", "exp": expires}, SECRET)

    assert viewer_from_token(token, SECRET).valid_until == expires
    assert JwtVerifier(SECRET)(token).valid_until == expires


def test_a_token_expiring_past_the_year_9999_is_valid_until_the_last_moment() -> None:
    in_milliseconds = int(datetime.now(UTC).timestamp() * 1000) + 60_000
    token = jwt.encode({"sub": "m-4", "exp": in_milliseconds}, SECRET)

    assert viewer_from_token(token, SECRET).valid_until == LAST_MOMENT
    assert JwtVerifier(SECRET)(token).valid_until == LAST_MOMENT
