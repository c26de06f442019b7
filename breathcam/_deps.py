"""Heavy optional imports, loaded where used, with one clear message when missing.

``import breathcam`` stays light: cv2, mediapipe, sounddevice and matplotlib load only through
these helpers, inside the functions that need them.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from breathcam.types import BreathcamError

_INSTALL_HINTS = {
    "cv2": "pip install opencv-contrib-python (comes with: pip install -e .)",
    "mediapipe": "pip install mediapipe==0.10.21 on Python 3.11-3.12, \"mediapipe>=1.2,<2\" on 3.13+ (comes with: pip install -e .)",
    "sounddevice": "pip install sounddevice, and the PortAudio library (Debian: apt-get install libportaudio2)",
    "matplotlib": "pip install matplotlib (the simulator: pip install -e \".[sim]\")",
    "skimage": "pip install scikit-image (the simulator: pip install -e \".[sim]\")",
}


def require(module: str) -> ModuleType:
    """Import ``module`` or raise a BreathcamError saying how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        hint = _INSTALL_HINTS.get(module.split(".")[0], f"pip install {module}")
        raise BreathcamError(f"{module} is not available ({exc}); install it with: {hint}") from None
    except OSError as exc:  # sounddevice without the PortAudio library
        hint = _INSTALL_HINTS.get(module.split(".")[0], "")
        raise BreathcamError(f"{module} could not load a system library ({exc}); {hint}") from None


def cv2() -> ModuleType:
    return require("cv2")
