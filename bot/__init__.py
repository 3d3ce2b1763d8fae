"""The Rasa project's own code: the in-app channel, the tracker store and the NLU components.

Importing the package (Rasa does, for the channel, the store and the components) makes the
Rasa server check action responses with a validator built once (bot/action_results.py) and
find event classes by name without walking the class tree each time (bot/event_types.py), and
call the action server over kept-alive connections (bot/action_calls.py), and run the model's
graph in a fixed order instead of through dask (bot/graph_runner.py).
"""

from bot import action_calls, action_results, event_types, graph_runner

action_calls.install()
action_results.install()
event_types.install()
graph_runner.install()
