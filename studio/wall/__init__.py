"""The regional manager's wall, Qt-free: stream lists, tile model, health and alert
rules, decode scheduling and the tile decoder. ``ui/wall`` draws it."""
