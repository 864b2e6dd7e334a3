"""The media engine: sources -> compositor -> one encode -> outputs.

Frames travel as I420 (planar YUV 4:2:0, BT.601 limited range) numpy arrays of
shape ``(H*3//2, W)``: the encoder's own input format, so compositing happens in
the format x264 wants and no colour conversion runs per output frame.
"""
