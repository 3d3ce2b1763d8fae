"""The buyer-facing web server: the chat page, its JSON API and live delivery."""
