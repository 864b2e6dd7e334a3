"""Rehearsal mode: run a show exactly as it would air, record it, and score the take.

Qt-free: the CLI (``studio rehearse``) and the desktop review window share it.
"""
