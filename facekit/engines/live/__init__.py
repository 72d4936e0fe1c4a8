"""Live: a camera's frames swapped as they come, failing closed (never the camera's own frame)."""

from .recording import LiveRecording, RecordingReport
from .swap import LiveFrame, LiveState, LiveSwap, blurred

__all__ = ["LiveFrame", "LiveRecording", "LiveState", "LiveSwap", "RecordingReport", "blurred"]
