"""Rasa custom actions: thin adapters that call the domain core in outreach.*.

Every action works for the buyer named by the conversation's sender id, which only the
in-app channel (behind the platform's buyer authentication) sets. Blocking database work
runs in a worker thread so the action server's event loop never waits on it.
"""

from outreach.inbox.privacy import install_log_masking
from outreach.rules.loader import rules

install_log_masking()  # phone numbers never reach the action server's log
rules()  # validated at start-up: an invalid rules file stops the action server, naming file and line
