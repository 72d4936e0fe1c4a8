"""Face generation: the offline MobileStyleGAN (stylegan.py, its style space in styles.py), the
offline DCGAN (dcgan.py), diffusers (diffusion.py), the quality gate.

Importing this package stays cheap (no torch, no diffusers): import the backend
modules, or use `facekit.engines.registry.load_generator`, where you need one.
"""

from .errors import GenerationFailed
from .guided import guided_values
from .quality import GatedFace, QualityGate
from .resample import resize_square
from .styles import followed_values as style_followed_values
from .styles import variations

__all__ = ["GatedFace", "GenerationFailed", "QualityGate", "guided_values", "resize_square", "style_followed_values",
           "variations"]
