"""Videos: probing uploads safely, reading frames for the face picker, and swapping faces
through a whole video with PyAV (FFmpeg's libraries inside its wheel). No Django here.
"""

from .errors import VideoError
from .pipeline import VideoReport, VideoSwap, mark_video
from .probe import VideoInfo, probe, read_frame, sampled_frames

__all__ = ["VideoError", "VideoInfo", "VideoReport", "VideoSwap", "mark_video", "probe", "read_frame", "sampled_frames"]
