"""The action server, started as `python -m actions.server --port N`.

rasa-sdk 3.6 serves actions to anyone who can reach its port. This entry point serves the
same app (rasa_sdk.endpoint.create_app) but refuses every call that does not carry the
token Rasa sends as the `token` query parameter (bot/endpoints*.yml: action_endpoint.token
from OUTREACH_ACTION_TOKEN). Only /health answers without it, for health checks.

rasa-sdk also answers every error with HTTP 500 and a traceback in the log, a wrong method
(`POST /health`), an unknown path and a body that is not JSON included. Here those are the
caller's 4xx, logged as one warning line; a body that is not a JSON object (an action call)
is refused before the SDK reads it.
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import os
import sys
import zlib

from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from outreach.private_files import restrict

TOKEN_ENV = "OUTREACH_ACTION_TOKEN"
TOKEN_PARAM = "token"
OPEN_PATHS = frozenset({"/health"})

log = logging.getLogger("outreach.actions.server")


def token_guard(expected: str):  # noqa: ANN201 - a Sanic request middleware
    """A request middleware answering 401 unless the query carries the expected token."""
    expected_bytes = expected.encode()

    async def check(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.args.get(TOKEN_PARAM) or ""
        if hmac.compare_digest(given.encode(), expected_bytes):
            return None
        return _refuse(request, 401, f"a valid token is required ({'a wrong one' if given else 'none'} was given)")

    return check


def _refuse(request: Request, status: int, error: str) -> HTTPResponse:
    log.warning("refused %s %s from %s: %s (HTTP %d)", request.method, request.path, request.ip, error, status)
    return response.json({"error": error}, status=status)


async def client_errors(request: Request, exception: SanicException) -> HTTPResponse:
    """Sanic's own 4xx (wrong method, unknown path, unreadable body) as the caller's error."""
    status = getattr(exception, "status_code", 500) or 500
    if status >= 500:
        log.error("error in %s %s", request.method, request.path, exc_info=exception)
        return response.json({"error": "the action server failed; see its log"}, status=status)
    return _refuse(request, status, str(exception))


async def action_call_guard(request: Request) -> HTTPResponse | None:
    """A request middleware: POST /webhook must carry a JSON object (deflated or not)."""
    if request.method != "POST" or request.path != "/webhook":
        return None
    try:
        if request.headers.get("Content-Encoding") == "deflate":
            call = json.loads(zlib.decompress(request.body))
        else:
            call = request.json  # parsed once: the SDK reads the same parsed body
    except (ValueError, zlib.error, SanicException):
        call = None
    if not isinstance(call, dict):
        return _refuse(request, 400, "the body must be a JSON object: an action call")
    return None


def create_app(token: str, package: str = "actions") -> Sanic:
    from rasa_sdk.endpoint import create_app as create_sdk_app

    if not token:
        raise ValueError(f"the action server needs a token: set {TOKEN_ENV}")
    app = create_sdk_app(package)
    app.register_middleware(token_guard(token), "request")
    app.register_middleware(action_call_guard, "request")
    app.error_handler.add(SanicException, client_errors)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rasa action server that refuses calls without the token")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--actions", default="actions", help="the package holding the actions")
    args = parser.parse_args(argv)
    restrict()  # what the actions write under var/ is private
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    token = os.environ.get(TOKEN_ENV, "")
    if not token:
        print(f"error: {TOKEN_ENV} is not set; the action server refuses to run without a token "
              "(outreach.processes.rasa_env sets it from the settings)", file=sys.stderr)
        return 2
    from rasa_sdk.plugin import plugin_manager

    app = create_app(token, args.actions)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    log.info("action server on http://%s:%s (token required)", args.host, args.port)
    app.run(args.host, args.port, workers=1, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
