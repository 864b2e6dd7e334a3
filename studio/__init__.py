"""Guide Studio engine: media, overlays, show scripts and commerce, free of Qt."""

import os

# OpenCV's thread pool spins (sched_yield) for thousands of rounds after each parallel
# call, waiting for the next: ~330 system calls a frame at 720p, CPU the encoder needs.
# Its workers sleep instead when these are 0; read when cv2 loads, so set before it does.
for _name in ("OPENCV_THREAD_POOL_ACTIVE_WAIT_WORKER", "OPENCV_THREAD_POOL_ACTIVE_WAIT_MAIN"):
    os.environ.setdefault(_name, "0")
# And no pool at all: the engine's stages already run on threads of their own (sources,
# output clock, encoder, outputs), so splitting one resize across both cores only adds
# hand-offs. A 1080p -> 720p frame (three plane resizes) costs 1.36 ms CPU on one thread
# against 1.6-1.9 ms on two (docs/performance.md: part 1, session 12).
os.environ.setdefault("OPENCV_FOR_THREADS_NUM", "1")
# OpenBLAS (numpy's, and a second copy in OpenCV's wheel) starts a thread per core when it
# loads, and they spin on sched_yield for ~0.1 s (2,069 calls, measured with strace): 0.15 s
# of CPU at every start (0.31 -> 0.15 s for importing numpy, cv2 and av) for matrix
# products the engine never makes big enough to share out.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
APP_NAME = "GuideStudio"
APP_AUTHOR = "GuideStudio"
# The one application id: desktop entry and Wayland app id, macOS bundle id, Windows AppId
# (packaging/). Settings and logs stay under APP_NAME, keyring entries under "guide-studio-*".
APP_ID = "com.guidestudio.GuideStudio"
