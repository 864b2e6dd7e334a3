"""The reference commerce backend (``studio backend``).

A FastAPI app on its own SQLite file: stores and guides, signed purchase links,
a server-rendered checkout page, shop webhooks, commissions and a resumable SSE
order feed. :func:`studio.backend.app.create_app` builds it; docs/backend.md
describes the contract.
"""
