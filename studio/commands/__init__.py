"""Sub-commands of the ``studio`` CLI: one module each, found by name.

Each module defines ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``. Adding a command means adding a module here; nothing else.
"""
