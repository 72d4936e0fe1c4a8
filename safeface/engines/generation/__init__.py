"""Face generation: the offline DCGAN (dcgan.py), diffusers (diffusion.py), the quality gate.

Importing this package stays cheap (no torch, no diffusers): import the backend
modules, or use `safeface.engines.registry.load_generator`, where you need one.
"""

from .errors import GenerationCancelled, GenerationFailed, WeightsMissing
from .quality import GatedFace, QualityGate

__all__ = ["GatedFace", "GenerationCancelled", "GenerationFailed", "QualityGate", "WeightsMissing"]
