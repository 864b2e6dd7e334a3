"""Outputs fed by the one encode: RTMP destinations and the local recording."""

from studio.media.outputs.base import Output
from studio.media.outputs.recorder import Recorder
from studio.media.outputs.rtmp import RtmpOutput

__all__ = ["Output", "Recorder", "RtmpOutput"]
