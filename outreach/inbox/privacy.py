"""Buyers' mobile numbers are shown as 139****5678: in every log line a process writes and
wherever staff read buyers' words. Buyers type their numbers into chats and reviews, and
agents into call notes, so masking the phone column alone is not enough."""

from __future__ import annotations

import logging
import re
from typing import Any

# A mainland mobile number, alone or written 139-1234-5678 / 139 1234 5678, optionally +86.
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[-\s]?)?(1[3-9][0-9])[-\s]?[0-9]{4}[-\s]?([0-9]{4})(?![0-9])")


def mask_phones(text: str) -> str:
    """Every mobile number in `text` with its middle four digits hidden."""
    return _MOBILE.sub(r"\1****\2", text)


def install_log_masking() -> None:
    """Masks mobile numbers in every log record this process creates, whichever logger or
    handler it goes to (Rasa's and aiohttp's included). Idempotent."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_phones", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed log call is the logging module's to report
            return record
        masked = mask_phones(message)
        if masked != message:
            record.msg, record.args = masked, None
        return record

    factory.masks_phones = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
