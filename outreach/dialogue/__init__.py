"""Reading a buyer\x27s words in the context of the conversation, and answering off-script questions."""
