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
from breathcam.types import Analysis, BreathcamError, InputError, MotionTraces, Pattern, Quality, SignalResult

# progress(t_s, duration_s or None) is called about once per second of video.
Progress = Callable[[float, "float | None"], None]


def analyze_clip(
    path: str | Path, *, config: Config = DEFAULT, progress: Progress | None = None
) -> Analysis:
    """Analyse a recorded video clip.  Raises InputError for files that are not usable video."""
    from breathcam.capture.pose import TorsoLocator
    from breathcam.capture.video import open_source
    from breathcam.capture.tracker import MotionTracker

    source = open_source(str(path), config=config.video)
    locator = TorsoLocator(config=config.pose)
    tracker = MotionTracker(config=config.motion, movement=config.movement)
    last_report = -1.0
    interrupted_at: float | None = None
    try:
        for frame in source:
            tracker.update(frame, locator.locate(frame, body_moving=tracker.body_moving))
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
        analysis = nobody_in_view(analysis)
    return with_sound_track(analysis, path, config=config)


def nobody_in_view(analysis: Analysis) -> Analysis:
    """Neither pose nor motion showed a person: whatever the trace holds is not breathing, so
    nothing is reported as measured (the rule for clips and live sessions alike)."""
    return replace(
        analysis,
        rate_bpm=None,
        rate_series=tuple(replace(p, bpm=None, confidence=0.0) for p in analysis.rate_series),
        breaths=(),
        holds=(),
        movement=None,
        quality=replace(
            analysis.quality,
            confidence=0.0,
            notes=analysis.quality.notes + ("no person in view: nothing was measured",),
        ),
    )


def with_sound_track(analysis: Analysis, path, *, config: Config) -> Analysis:
    """Fuse the clip's own sound track into the video analysis; unchanged when it has none.

    A track that cannot be decoded, is too short or holds no breathing leaves the video reading
    as it is (fuse.py ignores sound below its confidence floor)."""
    from breathcam.capture.audio import load_track
    from breathcam.signals.fuse import fuse
    from breathcam.signals.sound import analyze_audio_samples

    try:
        audio = load_track(path, config=config.sound)
    except BreathcamError:
        audio = None
    if audio is None or audio.info.duration_s < config.sound.min_duration_s:
        return analysis
    return fuse(analysis, analyze_audio_samples(audio, config=config), config=config)


def analyze_file(
    path: str | Path, *, config: Config = DEFAULT, progress: Progress | None = None
) -> Analysis:
    """Route a file by its content (then its suffix): sound-only files to :func:`analyze_audio`,
    everything else to :func:`analyze_clip` (which uses the clip's own sound track too)."""
    from breathcam.capture.video import sniff_kind

    p = Path(path)
    head = b""
    if p.is_file():
        with open(p, "rb") as fh:
            head = fh.read(64)
    if head and sniff_kind(p, head) == "audio":
        return analyze_audio(p, config=config, progress=progress)
    return analyze_clip(p, config=config, progress=progress)


def analyze_audio(
    path: str | Path, *, config: Config = DEFAULT, progress: Progress | None = None
) -> Analysis:
    """Analyse a sound recording (wav, flac, ogg, mp3, ... or any file with a sound track) alone.

    Raises InputError for files that cannot be decoded or are shorter than
    ``[sound] min_duration_s``; silence or noise gives ``rate_bpm=None`` with a note."""
    from breathcam.capture.audio import load_audio
    from breathcam.signals.sound import analyze_audio_samples

    audio = load_audio(path, config=config.sound)
    if audio.info.duration_s < config.sound.min_duration_s:
        raise InputError(
            f"{path} holds only {audio.info.duration_s:.1f} s of sound and no video; breathing needs at least "
            f"{config.sound.min_duration_s:.0f} s"
        )
    if progress is not None:
        progress(audio.info.duration_s, audio.info.duration_s)
    result = analyze_audio_samples(audio, config=config)
    notes = tuple(dict.fromkeys(audio.info.notes + result.notes))
    return Analysis(
        source=str(path),
        duration_s=round(audio.info.duration_s, 3),
        rate_bpm=result.rate_bpm,
        rate_series=result.rate_series,
        breaths=result.breaths,
        holds=(),
        pattern=Pattern(),
        quality=Quality(confidence=round(result.confidence, 3), pose_found=0.0, notes=notes),
        sources=("sound",),
        sound=result,
    )


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
    from breathcam.signals.pattern import measure_pattern

    pat = measure_pattern(traces, result.breaths, config=config.pattern, filters=config.filters)
    from breathcam.signals.movement import analyse_movement

    movement = analyse_movement(
        traces, breaths=result.breaths, holds=result.holds, rate_bpm=result.rate_bpm, config=config.movement
    )
    confidence = float(result.confidence) * _pose_weight(traces.pose_found, traces.method)
    if movement is not None and not movement.separable:
        # the breath keeps step with the movement: what was measured may be the movement
        confidence *= config.movement.locked_confidence_factor
    notes = tuple(dict.fromkeys(extra_notes + traces.notes + result.notes + (movement.notes if movement else ())))
    quality = Quality(
        confidence=round(confidence, 3),
        pose_found=round(float(traces.pose_found), 3),
        notes=notes,
    )
    return Analysis(
        source=source,
        duration_s=round(duration_s, 3),
        rate_bpm=result.rate_bpm,
        rate_series=result.rate_series,
        breaths=pat.breaths,
        holds=result.holds,
        pattern=pat.pattern,
        quality=quality,
        traces=traces,
        movement=movement,
    )


def _pose_weight(pose_found: float, method: str) -> float:
    # Regions from the motion fallback are a guess about where the torso is: the reading is
    # still given, with its confidence reduced (by up to a third when pose never found the person).
    if method == "pose":
        return 1.0
    return 2.0 / 3.0 + pose_found / 3.0
