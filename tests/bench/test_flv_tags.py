"""The bench's FLV reader finds each muxed picture in the bytes written to the connection."""

from __future__ import annotations

import io

import av
import numpy as np

from studio.bench.child import _FlvTags


def test_every_picture_tag_is_found_however_the_writes_are_cut() -> None:
    buf = io.BytesIO()
    out = av.open(buf, "w", format="flv")
    video = out.add_stream("libx264", rate=30)
    video.width, video.height, video.pix_fmt = 64, 64, "yuv420p"
    out.add_stream("aac", rate=48000, layout="stereo")  # its header tag is not a picture
    muxed = 0
    for k in range(20):
        frame = av.VideoFrame.from_ndarray(np.full((96, 64), k * 5, np.uint8), format="yuv420p")
        frame.pts = k
        for pkt in [*video.encode(frame), *(video.encode(None) if k == 19 else [])]:
            out.mux(pkt)
            muxed += 1
    out.close()
    data = buf.getvalue()
    for step in (1, 37, 4096, len(data)):
        tags = _FlvTags()
        for i in range(0, len(data), step):
            tags.feed(data[i : i + step], float(i))
        assert len(tags.video_written) == muxed == 20
