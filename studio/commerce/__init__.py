"""Studio side of commerce: offline-first store, outbox sync, links ahead of time, order feed.

See docs/commerce.md. ``Commerce`` (core) is the API; ``CommerceSide`` runs it on
a background thread for the CLI.
"""
