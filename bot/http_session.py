"""The Rasa server's own HTTP client connections, kept alive between calls.

Rasa 3.6 opens a new client session, and so a new connection, for every custom action
call (`EndpointConfig.request`), and the in-app channel's live notices did the same: a
connection set-up per call on both ends. One session per event loop keeps them open.
"""

from __future__ import annotations

import asyncio

import aiohttp

# Idle connections are closed after this: well inside the action server's (Sanic: 5 s)
# and the web server's (aiohttp: 75 s) own keep-alive, so none is reused as it closes.
KEEPALIVE_S = 2.0

_SESSIONS: dict[int, tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession]] = {}


def kept_alive() -> aiohttp.ClientSession:
    """This event loop's session; every call gives its own timeout."""
    loop = asyncio.get_running_loop()
    found = _SESSIONS.get(id(loop))
    if found is not None and found[0] is loop and not found[1].closed:
        return found[1]
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_S))
    _SESSIONS[id(loop)] = (loop, session)
    return session


async def close_session() -> None:
    """Close this loop's session (tests; a server's sessions end with its process)."""
    loop = asyncio.get_running_loop()
    found = _SESSIONS.pop(id(loop), None)
    if found is not None and found[0] is loop and not found[1].closed:
        await found[1].close()
