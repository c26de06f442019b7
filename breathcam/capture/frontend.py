"""The front end of every analysis: a frame in, the torso located and its motion measured.

:class:`FrontEnd` is the one per-frame step that ``breathcam analyze`` (pipeline.py) and the live
analyzer (signals.online) share: the torso regions for the frame (capture.pose: pose every
half second, the motion fallback when pose finds nobody, followed closely while the body moves,
which the tracker tells it), then the regions' motion (capture.tracker).  What it has seen so far
is read back as traces (:meth:`FrontEnd.traces`, or the last seconds for live use), with the
locator's notes and whether anything in view ever showed a person (the "nobody in view" rule
applied by signals.core.analyse).

    with FrontEnd() as fe:
        for frame in source:
            fe.step(frame)
        analysis = analyse(fe.traces(), source=..., notes=fe.notes, person_seen=fe.person_seen)

A locator can be handed in (anything with ``locate(frame, body_moving=)``, ``notes``,
``person_seen``, ``pose_found`` and ``close()``), e.g. fixed regions in tests.
"""

from __future__ import annotations

from breathcam.config import DEFAULT, Config
from breathcam.types import Frame, MotionSample, MotionTraces, TorsoRegions

__all__ = ["FrontEnd"]


class FrontEnd:
    """Locate, then track, one frame at a time (see the module docstring)."""

    def __init__(self, *, config: Config = DEFAULT, locator=None) -> None:
        from breathcam.capture.tracker import MotionTracker

        self.config = config
        self._own_locator = locator is None
        self.locator = locator if locator is not None else self._new_locator()
        self.tracker = MotionTracker(config=config.motion, movement=config.movement)
        self.regions: TorsoRegions | None = None  # the latest frame's

    def _new_locator(self):
        from breathcam.capture.pose import TorsoLocator

        return TorsoLocator(config=self.config.pose)

    def step(self, frame: Frame) -> MotionSample:
        """Regions for ``frame`` and the motion measured in them (frames in order of time)."""
        self.regions = self.locator.locate(frame, body_moving=self.tracker.body_moving)
        return self.tracker.update(frame, self.regions)

    def recalibrate(self) -> None:
        """Find the torso afresh (a new locator); the motion measured so far is kept."""
        if self._own_locator:
            self.locator.close()
            self.locator = self._new_locator()

    @property
    def person_seen(self) -> bool:
        return bool(self.locator.person_seen)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(self.locator.notes)

    def traces(self) -> MotionTraces:
        return self.tracker.traces()

    def recent_traces(self, *, window_s: float) -> MotionTraces:
        return self.tracker.recent_traces(window_s=window_s)

    def close(self) -> None:
        if self._own_locator:
            self.locator.close()

    def __enter__(self) -> "FrontEnd":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
