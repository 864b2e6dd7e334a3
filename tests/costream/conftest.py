from tests.costream.coturn import coturn

__all__ = ["coturn"]
