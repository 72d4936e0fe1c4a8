"""Seeds to latent vectors, and the geometry of latent space (slerp, blends).

The face API promises "same value, same face, forever", so a seed's latent must
not depend on the version of torch or NumPy (neither promises a stable normal
sampler across releases). Latents here come from SHA-256 in counter mode and a
Box-Muller transform written out below: only the hash and IEEE arithmetic are
involved.
"""

from __future__ import annotations

import hashlib
from typing import Sequence

import numpy as np

SEED_MAX = 2**64 - 1


def check_seed(seed: int) -> int:
    """Seeds are unsigned 64-bit integers (the face API's: the first 8 bytes of a value's SHA-256)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"A seed is an integer, not {type(seed).__name__}.")
    seed = int(seed)
    if not 0 <= seed <= SEED_MAX:
        raise ValueError(f"A seed is between 0 and 2**64 - 1, not {seed}.")
    return seed


def _uniform_stream(seed: int, salt: str, count: int) -> np.ndarray:
    """`count` floats in (0, 1), a pure function of (seed, salt)."""
    words_needed = count
    chunks = []
    counter = 0
    while words_needed > 0:
        digest = hashlib.sha256(f"{salt}:{seed}:{counter}".encode()).digest()
        chunks.append(np.frombuffer(digest, dtype=">u8"))
        words_needed -= 4
        counter += 1
    words = np.concatenate(chunks)[:count]
    # 53 random bits -> a double in (0, 1); the half step keeps log() away from 0.
    return ((words >> np.uint64(11)).astype(np.float64) + 0.5) / float(2**53)


def seed_latent(seed: int, dim: int, salt: str = "latent") -> np.ndarray:
    """A standard normal vector of length `dim` determined by `seed` alone (float64)."""
    seed = check_seed(seed)
    pairs = (dim + 1) // 2
    u = _uniform_stream(seed, salt, 2 * pairs)
    # Box-Muller: each pair of uniforms gives two normals, laid out pair by pair so
    # a shorter latent is a prefix of a longer one.
    radius = np.sqrt(-2.0 * np.log(u[0::2]))
    angle = 2.0 * np.pi * u[1::2]
    normals = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1).ravel()
    return normals[:dim]


def derived_seed(seed: int, purpose: str, index: int) -> int:
    """A new 64-bit seed for the `index`-th candidate of `seed` (0 is `seed` itself)."""
    seed = check_seed(seed)
    if index == 0:
        return seed
    digest = hashlib.sha256(f"{purpose}:{seed}:{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation: intermediate latents keep the norm a Gaussian latent
    has, where a straight line would pass through the washed-out middle of the space."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    flat_a, flat_b = a.ravel(), b.ravel()
    norm_a, norm_b = np.linalg.norm(flat_a), np.linalg.norm(flat_b)
    if norm_a == 0 or norm_b == 0:
        return (1 - t) * a + t * b
    cos_omega = np.clip(np.dot(flat_a / norm_a, flat_b / norm_b), -1.0, 1.0)
    omega = np.arccos(cos_omega)
    if omega < 1e-6:  # (nearly) the same direction: slerp degenerates to lerp
        return (1 - t) * a + t * b
    sin_omega = np.sin(omega)
    return (np.sin((1 - t) * omega) / sin_omega) * a + (np.sin(t * omega) / sin_omega) * b


def interpolation_times(steps: int) -> list[float]:
    """`steps` evenly spaced times from 0 to 1, both ends included."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
        raise ValueError(f"An interpolation needs at least 2 steps (both ends), not {steps!r}.")
    return [i / (steps - 1) for i in range(steps)]


def blend(latents: Sequence[np.ndarray], amounts: Sequence[float]) -> np.ndarray:
    """Weighted sum of latents, rescaled to the weighted mean norm of its parts.

    A plain weighted sum of independent Gaussians shrinks towards the origin
    (the "average face"); rescaling keeps the blend as typical as its parts.
    A negative amount pushes the blend away from that latent (the face API takes
    amounts from -2 to 2); weights are normalised by the sum of their absolute
    values, which for non-negative amounts is the plain sum.
    """
    if len(latents) == 0:
        raise ValueError("A blend needs at least one latent.")
    if len(latents) != len(amounts):
        raise ValueError(f"A blend needs one amount per latent: {len(latents)} latents, {len(amounts)} amounts.")
    weights = np.asarray(amounts, dtype=np.float64)
    if not np.all(np.isfinite(weights)) or not np.any(weights):
        raise ValueError(f"Blend amounts must be finite numbers, not all zero, not {list(amounts)}.")
    weights = weights / np.abs(weights).sum()
    stack = np.stack([np.asarray(z, dtype=np.float64) for z in latents])
    mixed = np.tensordot(weights, stack, axes=1)
    target_norm = float(np.dot(np.abs(weights), [np.linalg.norm(z) for z in stack]))
    norm = np.linalg.norm(mixed)
    if norm == 0:
        return mixed
    return mixed * (target_norm / norm)
