"""Studio side of commerce: offline-first store, outbox sync, links ahead of time, order feed.

See docs/commerce.md. ``Commerce`` (core) is the one façade over the outbox, the feed
and the catalog cache; ``LocalStore`` (store) holds every SQL statement on the
studio's file; ``CommerceSide`` runs the façade on a background thread for the CLI.
"""
