"""Slack calls over kept-alive connections: one TCP and TLS handshake serves many calls.

slack_sdk's `WebClient` sends each call with `urllib.request.urlopen`, which opens a new
connection (and, to the real Slack, shakes hands over TLS) every time. `PooledWebClient` sends
the same requests through a urllib3 pool of kept-alive connections instead, shared by every
client built on it; everything else (arguments, errors, `SlackApiError`, rate limits and their
`Retry-After`) stays slack_sdk's own.

Trust is the interpreter's default (`ssl.create_default_context()`: the system's certificate
authorities, or the file `SSL_CERT_FILE` names), as slack_sdk's own client trusts, unless the
client is given an `ssl` context. A proxy (`proxy=`) is left to slack_sdk's own way.
"""

from __future__ import annotations

import copy
import ssl
import urllib.error
import urllib.request
from typing import Any

import urllib3
from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.exceptions import SSLError as PoolSSLError

#: Connections kept per host: as many as calls run at once (the courier's workers, the acks').
DEFAULT_CONNECTIONS = 40


def connection_pool(
    connections: int = DEFAULT_CONNECTIONS, tls: ssl.SSLContext | None = None
) -> urllib3.PoolManager:
    """A pool of kept-alive connections for Slack calls, trusting `tls` or the default store.

    Never retried in the pool: a call whose answer was lost may have taken effect, and only
    the caller knows whether trying again is safe (the courier looks first).
    """
    return urllib3.PoolManager(
        num_pools=4,
        maxsize=connections,
        block=False,
        retries=False,
        ssl_context=tls or ssl.create_default_context(),
    )


class PooledWebClient(WebClient):
    """A WebClient whose calls go through a shared pool of kept-alive connections."""

    def __init__(self, *, pool: urllib3.PoolManager | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.pool = pool or connection_pool(tls=self.ssl)

    def __deepcopy__(self, memo: dict[int, Any]) -> PooledWebClient:
        """A copy on the same connections (Bolt copies a request's client for lazy listeners;
        a pool, its connections and its TLS context are shared, never copied)."""
        copied = copy.copy(self)
        memo[id(self)] = copied
        for name, value in vars(self).items():
            if name != "pool":
                setattr(copied, name, copy.deepcopy(value, memo))
        return copied

    def another(self, **options: Any) -> PooledWebClient:
        """Another client (another token, say) on the same connections and address."""
        options.setdefault("base_url", self.base_url)
        options.setdefault("timeout", self.timeout)
        return PooledWebClient(pool=self.pool, **options)

    def _perform_urllib_http_request_internal(
        self, url: str, req: urllib.request.Request
    ) -> dict[str, Any]:
        if self.proxy is not None:
            return super()._perform_urllib_http_request_internal(url, req)
        if not url.lower().startswith(("http://", "https://")):
            raise SlackRequestError(f"Invalid URL detected: {url}")
        try:
            answer = self.pool.request(
                req.get_method(),
                url,
                body=req.data,  # type: ignore[arg-type]  # bytes, as slack_sdk encoded them
                headers=dict(req.header_items()),
                timeout=urllib3.Timeout(connect=self.timeout, read=self.timeout),
                redirect=False,
            )
        except ReadTimeoutError as error:  # as urllib: the socket's own timeout
            raise TimeoutError(f"Slack did not answer within {self.timeout}s") from error
        except (NewConnectionError, ConnectTimeoutError, PoolSSLError) as error:
            raise urllib.error.URLError(error) from error  # as urllib: could not connect
        except ProtocolError as error:  # cut off mid-call, or a kept connection gone stale
            raise ConnectionResetError(str(error)) from error
        except HTTPError as error:
            raise ConnectionError(str(error)) from error
        headers = dict(answer.headers.items())
        if answer.status == 429:  # as slack_sdk's urllib path: both spellings
            wait = answer.headers.get("Retry-After")
            if wait is not None:
                headers["Retry-After"] = headers["retry-after"] = wait
        if answer.headers.get("Content-Type", "").startswith("application/gzip"):
            return {"status": answer.status, "headers": headers, "body": answer.data}
        charset = _charset(answer.headers.get("Content-Type", ""))
        return {
            "status": answer.status,
            "headers": headers,
            "body": answer.data.decode(charset, "replace"),
        }


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip('"')
    return "utf-8"
