"""The regional manager's wall (Qt). Logic lives in ``studio.wall``; this draws it."""
