"""`rasa` with its HTTP API token taken from the environment, not from the command line.

Rasa 3.6 reads the token only from `--auth-token`, and a process's command line is readable
by every local user (`ps`, /proc/PID/cmdline). Started as

    python -m outreach.rasa_run run --enable-api ...   (outreach.processes.rasa_server_command)

this adds `--auth-token` to Rasa's arguments inside the process, from OUTREACH_RASA_TOKEN
(the environment of a process is readable by its owner only), installs the assistant's
patches of Rasa internals (bot/patches.py: checked against the installed Rasa, each one
switchable with OUTREACH_PATCH_<NAME>=off, all with OUTREACH_RASA_PATCHES=off) and runs Rasa's
own command line with umask 077. A token given on the command line is refused, and Rasa does
not start when a patch does not fit the installed Rasa.
"""

from __future__ import annotations

import os
import sys

from outreach.private_files import restrict

TOKEN_ENV = "OUTREACH_RASA_TOKEN"


def rasa_arguments(argv: list[str], environ: dict[str, str] | os._Environ) -> list[str]:
    """Rasa's arguments: `argv` plus the token from the environment when the API is enabled.
    ValueError when the token is on the command line or, with the API, missing."""
    if any(arg.startswith("--auth-token") or (arg.startswith("-t") and not arg.startswith("--")) for arg in argv):
        raise ValueError(f"the API token is on the command line, where every local user can read it; "
                         f"set {TOKEN_ENV} in the environment instead")
    if "--enable-api" not in argv:
        return list(argv)
    token = environ.get(TOKEN_ENV, "")
    if not token:
        raise ValueError(f"{TOKEN_ENV} is not set; the Rasa API would be open to anyone "
                         "(outreach.processes.rasa_env sets it from the settings)")
    return [*argv, f"--auth-token={token}"]  # one argument: a token may start with "-"


def main() -> int:
    restrict()
    try:
        arguments = rasa_arguments(sys.argv[1:], os.environ)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if arguments[:1] == ["run"]:  # the server, not `rasa train` or `rasa test`
        from bot.patches import PatchError, install

        try:
            installed = install()
        except PatchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"Rasa patches installed: {', '.join(installed) or 'none'} (bot/patches.py)", file=sys.stderr)
    sys.argv = ["rasa", *arguments]  # Python's copy only: /proc/PID/cmdline keeps the original
    from rasa.__main__ import main as rasa_main

    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
