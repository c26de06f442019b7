"""breathcam: watch a person breathe through a webcam and tell them how they breathe.

``import breathcam`` is light (numpy only); OpenCV and mediapipe load where they are used.
"""

__version__ = "0.1.0"
