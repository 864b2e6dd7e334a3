"""A real nginx with the RTMP module on a loopback port: the bench's own helper, reused.

Product code cannot import tests/, so the one implementation lives in
:mod:`studio.bench.nginx` and the tests take it from there.
"""

from studio.bench.nginx import MODULE_CANDIDATES, NginxRtmp, available
from studio.ports import free_port, port_open

__all__ = ["MODULE_CANDIDATES", "NginxRtmp", "available", "free_port", "port_open"]
