"""Camera sizes read from FFmpeg's device listings (samples as FFmpeg prints them per OS)."""

from __future__ import annotations

from studio.media.devices import parse_sizes

V4L2 = [
    "R : yuyv422 : YUV 4:2:2 (YUYV) : 640x480 160x90 320x240 640x360 800x600 1280x720 1920x1080",
    "C : Unsupported : H.264 : 640x480 1280x720 1920x1080",
    "C : mjpeg : Motion-JPEG : 640x480 1280x720 1920x1080 2304x1296",
    "R : nv12 : Y/CbCr 4:2:0 : {32-4096, 2}x{32-2304, 2}",
]
DSHOW = [
    "DirectShow video device options (from video devices)",
    ' Pin "Capture" (alternative pin name "0")',
    "  vcodec=mjpeg  min s=1280x720 fps=5 max s=1280x720 fps=30",
    "  vcodec=mjpeg  min s=1920x1080 fps=5 max s=1920x1080 fps=30",
    "  pixel_format=yuyv422  min s=640x480 fps=5 max s=640x480 fps=30",
]
AVFOUNDATION = [
    "Selected video size (1x1) is not supported by the device.",
    "Supported modes:",
    "  1920x1080@[1.000000 30.000000]fps",
    "  1280x720@[1.000000 30.000000]fps",
    "  640x480@[1.000000 30.000000]fps",
]


def test_v4l2_listing_gives_the_discrete_sizes_largest_first() -> None:
    assert parse_sizes(V4L2) == [
        (2304, 1296),
        (1920, 1080),
        (1280, 720),
        (800, 600),
        (640, 480),
        (640, 360),
    ]


def test_dshow_and_avfoundation_listings() -> None:
    assert parse_sizes(DSHOW) == [(1920, 1080), (1280, 720), (640, 480)]
    assert parse_sizes(AVFOUNDATION) == [(1920, 1080), (1280, 720), (640, 480)]


def test_no_camera_no_sizes() -> None:
    assert parse_sizes(["/dev/video9: No such file or directory"]) == []
