"""The commerce contract: what the studio (client) and the reference backend (server) share.

Pure data and pure functions, importing nothing of either side: action kinds, the
session state machine, the feed's event types and the bus topics they become, the
DTO field lists both sides read and write, and the promotion limit rules. The
backend's pydantic models (``studio.backend.models``) and the studio's commerce
client (``studio.commerce``) both import from here, so neither imports the other.
"""
