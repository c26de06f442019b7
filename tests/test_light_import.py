"""``import breathcam`` and the signal core must not load OpenCV or mediapipe."""

import subprocess
import sys

MODULES = [
    "breathcam",
    "breathcam.types",
    "breathcam.config",
    "breathcam.cli",
    "breathcam.pipeline",
    "breathcam.report.export",
    "breathcam.simulate.waveform",
    "breathcam.signals.core",
    "breathcam.signals.motion",
    "breathcam.capture.tracker",
    "breathcam.capture.video",
    "breathcam.capture.pose",
    "breathcam.capture.audio",
    "breathcam.signals.sound",
    "breathcam.signals.fuse",
    "breathcam.signals.pattern",
    "breathcam.signals.movement",
    "breathcam.signals.online",
    "breathcam.simulate.sound",
    "breathcam.simulate.movement",
    "breathcam.report.html",
    "breathcam.report.store",
    "breathcam.report.batch",
    "breathcam.report.csv",
    "breathcam.report.summary",
    "breathcam.assess.run",
    "breathcam.assess.report",
    "breathcam.assess.command",
    "breathcam.simulate.assessment",
    "breathcam.coach.feedback",
    "breathcam.coach.exercises",
    "breathcam.coach.safety",
    "breathcam.overlay.draw",
    "breathcam.live",
]


def test_import_breathcam_is_light():
    code = (
        f"import importlib, sys\n"
        f"for m in {MODULES!r}: importlib.import_module(m)\n"
        f"heavy = sorted(m for m in ('cv2', 'mediapipe', 'sounddevice', 'soundfile', 'av', 'matplotlib', 'skimage') if m in sys.modules)\n"
        f"print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
