"""连麦 (co-streaming) on the studio side: guests over WebRTC (aiortc) as engine sources.

Qt-free. aiortc runs on one asyncio loop on its own thread (``rtc_loop``), never on
the output clock; the clock only hands its program to ``program_tracks`` through a
pipeline tap and reads guests' frames from their slots like any source.
"""
