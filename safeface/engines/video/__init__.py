"""Videos: probing uploads safely, reading frames for the face picker, and swapping faces
through a whole video with PyAV (FFmpeg's libraries inside its wheel). No Django here.
"""

from .errors import VideoCancelled, VideoError
from .pipeline import VideoReport, swap_video
from .probe import VideoInfo, probe, read_frame

__all__ = ["VideoCancelled", "VideoError", "VideoInfo", "VideoReport", "probe", "read_frame", "swap_video"]
