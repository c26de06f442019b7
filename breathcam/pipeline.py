"""Recorded clip -> Analysis: the stages chained, nothing more.

frames (capture.video) -> torso regions (capture.pose) -> motion traces (signals.motion)
-> breaths, rate, holds (signals.core) -> Analysis (types), written by report.export.

Frames are streamed: memory stays flat with clip length (only a few floats per frame are kept).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable

from breathcam.config import DEFAULT, Config
from breathcam.types import Analysis, MotionTraces, Pattern, Quality, SignalResult

# progress(t_s, duration_s or None) is called about once per second of video.
Progress = Callable[[float, "float | None"], None]


def analyze_clip(
    path: str | Path, *, config: Config = DEFAULT, progress: Progress | None = None
) -> Analysis:
    """Analyse a recorded video clip.  Raises InputError for files that are not usable video."""
    from breathcam.capture.pose import TorsoLocator
    from breathcam.capture.video import open_source
    from breathcam.signals.motion import MotionTracker

    source = open_source(str(path), config=config.video)
    locator = TorsoLocator(config=config.pose)
    tracker = MotionTracker(config=config.motion)
    last_report = -1.0
    interrupted_at: float | None = None
    try:
        for frame in source:
            tracker.update(frame, locator.locate(frame))
            if progress is not None and frame.t_s - last_report >= 1.0:
                last_report = frame.t_s
                progress(frame.t_s, source.info.duration_s)
    except KeyboardInterrupt:
        # Ctrl-C on a long clip: what was read so far is analysed, not thrown away.
        interrupted_at = max(last_report, 0.0)
    finally:
        source.close()
        locator.close()
    traces = tracker.traces()
    source_notes = tuple(getattr(source, "notes", ()))
    if source.ended_reason:
        source_notes += (source.ended_reason,)
    if interrupted_at is not None:
        source_notes += (f"analysis interrupted: results cover only the first {interrupted_at:.0f} s",)
    notes = tuple(dict.fromkeys(source_notes + locator.notes))  # ordered, without repeats
    analysis = analysis_from_traces(traces, source=str(path), config=config, extra_notes=notes)
    if not locator.person_seen:
        # Neither pose nor motion showed a person: whatever the trace holds is not breathing.
        analysis = replace(
            analysis,
            rate_bpm=None,
            rate_series=tuple(replace(p, bpm=None, confidence=0.0) for p in analysis.rate_series),
            breaths=(),
            holds=(),
            quality=replace(
                analysis.quality,
                confidence=0.0,
                notes=analysis.quality.notes + ("no person in view: nothing was measured",),
            ),
        )
    return analysis


def analysis_from_traces(
    traces: MotionTraces,
    *,
    source: str,
    config: Config = DEFAULT,
    extra_notes: tuple[str, ...] = (),
) -> Analysis:
    """The signal core on motion traces, wrapped into the analysis contract."""
    from breathcam.signals.core import process

    duration_s = float(traces.t_s[-1] - traces.t_s[0]) if len(traces.t_s) > 1 else 0.0
    result: SignalResult = process(traces, config=config)
    notes = tuple(dict.fromkeys(extra_notes + traces.notes + result.notes))
    quality = Quality(
        confidence=round(float(result.confidence) * _pose_weight(traces.pose_found, traces.method), 3),
        pose_found=round(float(traces.pose_found), 3),
        notes=notes,
    )
    return Analysis(
        source=source,
        duration_s=round(duration_s, 3),
        rate_bpm=result.rate_bpm,
        rate_series=result.rate_series,
        breaths=result.breaths,
        holds=result.holds,
        pattern=Pattern(),
        quality=quality,
        traces=traces,
    )


def _pose_weight(pose_found: float, method: str) -> float:
    # Regions from the motion fallback are a guess about where the torso is: the reading is
    # still given, with its confidence reduced (by up to a third when pose never found the person).
    if method == "pose":
        return 1.0
    return 2.0 / 3.0 + pose_found / 3.0
