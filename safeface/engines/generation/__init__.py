"""Face generation: the offline DCGAN (dcgan.py), diffusers (diffusion.py), the quality gate.

Importing this package stays cheap (no torch, no diffusers): import the backend
modules, or use `safeface.engines.registry.load_generator`, where you need one.
"""

from .errors import GenerationFailed
from .guided import guided_values
from .quality import GatedFace, QualityGate
from .resample import resize_square

__all__ = ["GatedFace", "GenerationFailed", "QualityGate", "guided_values", "resize_square"]
