"""Recorded clip or sound file -> Analysis: the files at the edge, the analysis core inside.

frames (capture.video) -> torso located and tracked (capture.frontend) -> motion traces
-> the analysis core (signals.core.analyse: breaths, holds, rate, pattern, movement, the clip's
own sound track fused) -> Analysis (types), written by report.export.

Frames are streamed: memory stays flat with clip length (only a few floats per frame are kept).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from breathcam.config import DEFAULT, Config
from breathcam.types import Analysis, BreathcamError, InputError, Pattern, Quality

if TYPE_CHECKING:
    from breathcam.signals.sound import SoundResult

# progress(t_s, duration_s or None) is called about once per second of video.
Progress = Callable[[float, "float | None"], None]


def analyze_clip(
    path: str | Path, *, config: Config = DEFAULT, progress: Progress | None = None
) -> Analysis:
    """Analyse a recorded video clip.  Raises InputError for files that are not usable video."""
    from breathcam.capture.frontend import FrontEnd
    from breathcam.capture.video import open_source
    from breathcam.signals.core import analyse

    source = open_source(str(path), config=config.video)
    front = FrontEnd(config=config)
    last_report = -1.0
    last_t = 0.0
    interrupted_at: float | None = None
    # frames the tracker does not need are decoded but never converted, located nor tracked
    skipping = hasattr(source, "next_wanted_s")
    fps = float(getattr(source, "fps", 0.0) or 0.0)
    try:
        for frame in source:
            front.step(frame)
            if skipping:
                source.next_wanted_s = front.tracker.next_wanted_s(frame.t_s, fps=fps)
            last_t = frame.t_s
            if progress is not None and frame.t_s - last_report >= 1.0:
                last_report = frame.t_s
                progress(frame.t_s, source.info.duration_s)
    except KeyboardInterrupt:
        # Ctrl-C (or SIGTERM / SIGHUP, breathcam.stopsignals) on a long clip: what was read so far
        # is analysed, not thrown away.
        interrupted_at = last_t
    finally:
        source.close()
        front.close()
    source_notes = tuple(getattr(source, "notes", ()))
    if source.ended_reason:
        source_notes += (source.ended_reason,)
    if interrupted_at is not None:
        source_notes += (f"analysis interrupted: results cover only the first {interrupted_at:.0f} s",)
    return analyse(
        front.traces(), source=str(path), config=config, notes=tuple(dict.fromkeys(source_notes + front.notes)),
        person_seen=front.person_seen, sound=sound_of_track(path, config=config),
    )


def sound_of_track(path, *, config: Config) -> "SoundResult | None":
    """What the clip's own sound track holds (breathcam.signals.sound), or None when it has none.

    A track that cannot be decoded, or is too short, gives None; one that holds no breathing
    gives a result that signals.fuse leaves aside (below its confidence floor)."""
    from breathcam.capture.audio import load_track
    from breathcam.signals.sound import analyze_audio_samples

    try:
        audio = load_track(path, config=config.sound)
    except BreathcamError:
        audio = None
    if audio is None or audio.info.duration_s < config.sound.min_duration_s:
        return None
    return analyze_audio_samples(audio, config=config)


def analyze_file(
    path: str | Path, *, config: Config = DEFAULT, progress: Progress | None = None
) -> Analysis:
    """Route a file by its content (then its suffix): sound-only files to :func:`analyze_audio`,
    everything else to :func:`analyze_clip` (which uses the clip's own sound track too)."""
    from breathcam.capture.video import sniff_kind
    from breathcam.fileio import check_input

    p = Path(path)
    check_input(p)  # a FIFO, device, link loop, empty or unreadable file: refused here, never opened
    try:
        with open(p, "rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}") from None
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
