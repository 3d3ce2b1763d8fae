"""The Rasa project's own code: the in-app channel and the problem classifier component.

Importing the package (Rasa does, for the channel and the component) makes the Rasa server
check action responses with a validator built once (bot/action_results.py).
"""

from bot import action_results

action_results.install()
