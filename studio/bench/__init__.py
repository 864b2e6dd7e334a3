"""``studio bench``: the pipeline measured side by side with ffmpeg, and auto-configuration.

Each measured side runs as its own process (:mod:`studio.bench.child`, or the
ffmpeg CLI) so its CPU is accounted exactly; the bench process only
orchestrates, pulls streams back and prints the table. See docs/performance.md.
"""
