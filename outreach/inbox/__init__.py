"""The buyer's in-app inbox: every message kept, pushed live when the app is connected."""
