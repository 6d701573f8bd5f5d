"""HTTP for a page on the open internet: cached bodies, validators, 304s and strict headers.

A body is rendered once per generation (what the source last changed, and today's date, on
which the history and its window depend) and then served from memory with a strong `ETag`
and a `Last-Modified`, so a CDN or a browser can revalidate for the price of a dictionary
lookup. Every answer carries a `Content-Security-Policy` that allows no script, no cookie is
ever set, and `Cache-Control` lets shared caches keep a copy for a short while.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import TypeVar, cast

from starlette.requests import Request
from starlette.responses import Response

from watchkeeper.status.html import STYLE_SOURCE

T = TypeVar("T")

HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
JSON = "application/json; charset=utf-8"

#: The policy of HTML answers: the inline stylesheet by its hash, and nothing else at all.
HTML_POLICY = (
    f"default-src 'none'; style-src {STYLE_SOURCE}; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
#: The policy of every other answer (text, feeds, JSON): nothing, not even as a document.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"
#: Most bodies kept; past it the oldest go (a page with thousands of incidents stays bounded).
MAX_CACHED = 4096


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered answer: the body, its type and status, and its validators."""

    body: bytes
    media_type: str
    last_modified: datetime | None
    status_code: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    etag: str = ""

    @classmethod
    def of(
        cls,
        body: bytes,
        media_type: str,
        *,
        last_modified: datetime | None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> Rendered:
        """An answer with its strong `ETag`: a digest of the body."""
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        return cls(body, media_type, last_modified, status_code, dict(headers or {}), etag)


class _Making:
    """A value one thread is making while others wait for it."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: object = None
        self.failed = False


class RenderCache:
    """Values kept for one generation; a new generation forgets the old one's.

    A missing value is made once: requests that arrive while it is being made wait for it
    rather than each rendering their own (50 clients at once cost one rendering).
    """

    def __init__(self, limit: int = MAX_CACHED) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._generation: Hashable = None
        self._values: dict[Hashable, object] = {}
        self._making: dict[Hashable, _Making] = {}

    def get(self, generation: Hashable, key: Hashable, make: Callable[[], T]) -> T:
        """The value for `key` in this generation, made (outside the lock) when missing.

        A None is returned but not kept: misses (unknown ids) must not fill the cache.
        """
        with self._lock:
            if generation != self._generation:
                self._generation = generation
                self._values = {}
                self._making = {}
            if key in self._values:
                return cast(T, self._values[key])
            making = self._making.get((generation, key))
            mine = making is None
            if making is None:
                making = self._making[(generation, key)] = _Making()
        if not mine:
            making.done.wait()
            return make() if making.failed else cast(T, making.value)
        value: T | None = None
        try:
            value = make()
        except BaseException:
            making.failed = True
            raise
        finally:
            with self._lock:
                self._making.pop((generation, key), None)
                if value is not None and generation == self._generation:
                    if len(self._values) >= self._limit:
                        del self._values[next(iter(self._values))]
                    self._values[key] = value
            making.value = value
            making.done.set()
        return value


def answer(request: Request, rendered: Rendered, *, max_age: int) -> Response:
    """The response to a GET or HEAD: the body, or 304 when the client's copy is current."""
    headers = {
        "Cache-Control": f"public, max-age={max_age}",
        "Content-Security-Policy": HTML_POLICY if rendered.media_type == HTML else DATA_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        **rendered.headers,
    }
    if rendered.status_code != 200:
        return Response(rendered.body, rendered.status_code, headers, rendered.media_type)
    headers["ETag"] = rendered.etag
    if rendered.last_modified is not None:
        headers["Last-Modified"] = http_date(rendered.last_modified)
    if _not_modified(request, rendered):
        return Response(status_code=304, headers=headers)
    return Response(rendered.body, 200, headers, rendered.media_type)


def http_date(moment: datetime) -> str:
    """`Mon, 24 Nov 2025 08:51:00 GMT`."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _not_modified(request: Request, rendered: Rendered) -> bool:
    """RFC 9110 §13.2.2: `If-None-Match` decides when sent; else `If-Modified-Since`."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or rendered.etag in tags
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since is None or rendered.last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return rendered.last_modified.replace(microsecond=0) <= since
