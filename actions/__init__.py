"""Rasa custom actions: thin adapters that call the domain core in outreach.*.

Every action works for the buyer named by the conversation's sender id, which only the
in-app channel (behind the platform's buyer authentication) sets. Blocking database work
runs in a worker thread so the action server's event loop never waits on it.
"""

from outreach.rules.loader import rules

rules()  # validated at start-up: an invalid rules file stops the action server, naming file and line
