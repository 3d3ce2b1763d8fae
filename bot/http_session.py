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

_SESSIONS: dict[int, aiohttp.ClientSession] = {}


def kept_alive() -> aiohttp.ClientSession:
    """This event loop's session; every call gives its own timeout."""
    loop = asyncio.get_running_loop()
    session = _SESSIONS.get(id(loop))
    if session is None or session.closed:
        connector = aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_S)
        session = aiohttp.ClientSession(connector=connector)
        _SESSIONS[id(loop)] = session
    return session


async def close_all() -> None:
    """Close every loop's session (tests; a server's sessions end with its process)."""
    sessions = list(_SESSIONS.values())
    _SESSIONS.clear()
    for session in sessions:
        if not session.closed:
            await session.close()
