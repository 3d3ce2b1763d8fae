"""The Rasa project's own code: the in-app channel, the stores and the NLU components.

Importing the package changes nothing in Rasa. The assistant's patches of Rasa internals
(bot/action_calls.py, action_results.py, event_types.py, graph_runner.py) are installed by one
explicit, checked call, `bot.patches.install()`, which `outreach.rasa_run` makes before Rasa starts.
"""
