"""Real ``studio backend`` processes for the commerce tests (loopback, demo data).

The launcher is the one the backend tests and the load bench use
(:mod:`studio.bench.backendproc`); this module keeps the commerce tests' names.
Several processes may share one SQLite file: the outage test keeps a second
one serving checkout while the studio's backend is down.
"""

from __future__ import annotations

from studio.bench.backendproc import PASSWORD, REPO, BackendProcess, free_port

Backend = BackendProcess

__all__ = ["PASSWORD", "REPO", "Backend", "free_port"]
