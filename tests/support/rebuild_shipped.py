"""Rebuild the shipped diagnosis model from its recorded inputs and parameters, into a folder.

`python -m tests.support.rebuild_shipped FOLDER`: what `make model` does for the committed model,
without its evaluation. The test of the shipped model starts it in its own process when the test
session begins (tests/conftest.py), so the few minutes of fitting overlap the rest of the suite
on a second core; the test then compares the result with the committed model.
"""

from __future__ import annotations

import sys
from pathlib import Path

from outreach.diagnosis.artifact import read_manifest, save
from outreach.diagnosis.commands import DEFAULT_EXPORT
from outreach.diagnosis.registry import SHIPPED
from outreach.diagnosis.taxonomy import taxonomy
from outreach.diagnosis.training import Parameters, build, read_inputs


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.support.rebuild_shipped FOLDER", file=sys.stderr)
        return 2
    tax = taxonomy()
    parameters = Parameters(**read_manifest(SHIPPED)["parameters"])
    model = build(read_inputs(DEFAULT_EXPORT, tax), parameters, tax)
    save(model, Path(argv[0]))
    print(model.version)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
