"""Rasa's calls to the action server, over kept-alive connections (bot/http_session.py).

The same request as Rasa 3.6's `EndpointConfig.request`: the same URL, headers, token
parameter, timeout and errors. Endpoints with basic auth or their own CA file are left to
Rasa's own code.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import ContentTypeError
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

from bot.http_session import kept_alive

_ORIGINAL = EndpointConfig.request
ORIGINALS = {"rasa.utils.endpoints:EndpointConfig.request": _ORIGINAL}  # what bot/patches.py checks


async def request(
    self: EndpointConfig,
    method: str = "post",
    subpath: str | None = None,
    content_type: str | None = "application/json",
    compress: bool = False,
    **kwargs: Any,
) -> Any:
    if self.basic_auth or self.cafile:
        return await _ORIGINAL(self, method, subpath, content_type, compress, **kwargs)
    headers = {"Content-Type": content_type} if content_type else {}
    headers.update(kwargs.pop("headers", None) or {})
    headers.update(self.headers)
    timeout = kwargs.pop("timeout", DEFAULT_REQUEST_TIMEOUT)
    if not isinstance(timeout, aiohttp.ClientTimeout):
        timeout = aiohttp.ClientTimeout(total=timeout)
    async with kept_alive().request(
        method, concat_url(self.url, subpath), headers=headers, params=self.combine_parameters(kwargs),
        compress=compress, timeout=timeout, **kwargs,
    ) as response:
        if response.status >= 400:
            raise ClientResponseError(response.status, response.reason, await response.content.read())
        try:
            return await response.json()
        except ContentTypeError:
            return None


def install() -> None:
    """Idempotent; bot.patches.install() calls it, checked, before the Rasa server starts."""
    EndpointConfig.request = request  # type: ignore[method-assign]
