"""The agent workspace: the queue and what a person does with a handed-over case."""
