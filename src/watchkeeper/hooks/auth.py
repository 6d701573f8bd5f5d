"""Who may post to a hook: whoever holds its source's bearer token, compared in constant time."""

from __future__ import annotations

import hmac

from starlette.requests import Request


def bears(request: Request, token: str) -> bool:
    """True when the request carries `Authorization: Bearer <token>`."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    # Constant time: how long a refusal takes must not tell how much of the token was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )
