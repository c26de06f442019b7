"""The analysis core: motion traces -> the analysis contract, one chain for clips and live sessions.

:func:`analyse` chains the stages and nothing else: the signal core on the breathing trace
(:func:`process`: breaths -> holds -> rate), chest vs belly (signals.pattern), whole-body movement
(signals.movement), the confidence and the notes, the "nobody in view" rule, and the fusion with
what the sound heard (signals.fuse).  ``breathcam analyze`` (pipeline.py) calls it once on a clip,
the live analyzer (signals.online) on its window and on the whole session, so batch and live
cannot differ in what they do.  Each stage is a public function of its own module and can be
called alone.  :func:`process` drops the breaths found inside a hold (:func:`outside_holds`) and
its rate leaves the time held out, its confidence measuring the periodicity of the breathing
outside the holds (:func:`rate_outside_holds`, which the live window calls too).

>>> import numpy as np
>>> from breathcam.simulate.waveform import simulate_breathing
>>> from breathcam.types import MotionTraces
>>> b = simulate_breathing(duration_s=60, fs_hz=10, rate_bpm=12, seed=1)
>>> tr = MotionTraces(10.0, b.t_s, b.volume, b.chest, b.belly, np.ones(b.t_s.size, bool), 1.0, "pose", "front")
>>> round(process(tr).rate_bpm)
12
>>> a = analyse(tr, source="simulated")
>>> round(a.rate_bpm), a.pattern.label, a.sources
(12, 'mixed', ('video',))
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from breathcam.config import DEFAULT, Config
from breathcam.signals.breaths import dominant_rate, segment
from breathcam.signals.filters import bandpass, clean_trace
from breathcam.signals.holds import find_holds
from breathcam.signals.rate import clip_rate, rate_series
from breathcam.types import Analysis, Breath, Hold, MotionTraces, ParameterError, Quality, SignalResult

if TYPE_CHECKING:
    from breathcam.signals.sound import SoundResult

__all__ = ["analyse", "process", "outside_holds", "rate_outside_holds", "breathing_periodicity", "nobody_in_view"]


def analyse(
    traces: MotionTraces,
    *,
    source: str,
    config: Config = DEFAULT,
    notes: tuple[str, ...] = (),
    person_seen: bool = True,
    sound: "SoundResult | None" = None,
) -> Analysis:
    """Everything the contract says about ``traces``: breaths, holds and rate; chest vs belly;
    movement; confidence and ``notes`` (the caller's first: the source's and the locator's).
    When ``person_seen`` is False nothing is reported as measured (:func:`nobody_in_view`);
    ``sound`` (a SoundResult of the same stretch) is fused in last."""
    from breathcam.signals.fuse import fuse
    from breathcam.signals.movement import analyse_movement
    from breathcam.signals.pattern import measure_pattern

    duration_s = float(traces.t_s[-1] - traces.t_s[0]) if len(traces.t_s) > 1 else 0.0
    result = process(traces, config=config)
    pat = measure_pattern(traces, result.breaths, config=config.pattern, filters=config.filters)
    movement = analyse_movement(
        traces, breaths=result.breaths, holds=result.holds, rate_bpm=result.rate_bpm, config=config.movement
    )
    confidence = float(result.confidence) * _pose_weight(traces.pose_found, traces.method)
    if movement is not None and not movement.separable:
        # the breath keeps step with the movement: what was measured may be the movement
        confidence *= config.movement.locked_confidence_factor
    all_notes = tuple(dict.fromkeys(notes + traces.notes + result.notes + (movement.notes if movement else ())))
    analysis = Analysis(
        source=source,
        duration_s=round(duration_s, 3),
        rate_bpm=result.rate_bpm,
        rate_series=result.rate_series,
        breaths=pat.breaths,
        holds=result.holds,
        pattern=pat.pattern,
        quality=Quality(confidence=round(confidence, 3), pose_found=round(float(traces.pose_found), 3), notes=all_notes),
        traces=traces,
        movement=movement,
    )
    if not person_seen:
        analysis = nobody_in_view(analysis)
    return fuse(analysis, sound, config=config)


def _pose_weight(pose_found: float, method: str) -> float:
    # Regions from the motion fallback are a guess about where the torso is: the reading is
    # still given, with its confidence reduced (by up to a third when pose never found the person).
    if method == "pose":
        return 1.0
    return 2.0 / 3.0 + pose_found / 3.0


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


def outside_holds(breaths: tuple[Breath, ...], holds: tuple[Hold, ...], *, tolerance_s: float) -> tuple[Breath, ...]:
    """The breaths that are not inside a hold: the ripple of a held trace can pass for shallow
    breaths, and nobody breathes while holding.  A breath lies inside a hold when it begins and
    ends within it (widened by ``tolerance_s``); one that contains a hold (a breath in, held,
    then out) stays."""
    return tuple(
        b for b in breaths
        if not any(h.start - tolerance_s <= b.inhale_start and b.end <= h.end + tolerance_s for h in holds)
    )


def rate_outside_holds(
    traces: MotionTraces, breaths: tuple[Breath, ...], holds: tuple[Hold, ...], *, config: Config = DEFAULT
) -> tuple[float | None, float]:
    """The rate of ``breaths`` (found on ``traces``) with ``holds`` left out, and its confidence.

    The rate of :func:`process` and of the live window alike: breaths inside a hold are
    dropped (:func:`outside_holds`) and the time of holds that interrupt
    the breathing is not breathing time (:func:`~breathcam.signals.rate.clip_rate`).  The
    periodicity behind the confidence (:func:`~breathcam.signals.breaths.dominant_rate`) is
    measured on the breathing outside the holds: a still stretch in the window is not a sign of
    irregular breathing.  ``holds`` may include ones the window's own analysis did not find (one
    cut by the window's start, one still going on).
    """
    kept = outside_holds(breaths, holds, tolerance_s=config.holds.edge_tolerance_s)
    if not kept:
        return None, 0.0
    return clip_rate(kept, periodicity=breathing_periodicity(traces, holds, config=config), holds=holds, config=config.rate)


def breathing_periodicity(traces: MotionTraces, holds: tuple[Hold, ...], *, config: Config = DEFAULT) -> float:
    """The periodicity of the breathing in ``traces`` outside ``holds`` (as the segmentation
    measures it: the band-passed cleaned trace's autocorrelation at the dominant period)."""
    f = config.filters
    y, usable = clean_trace(np.asarray(traces.breathing, dtype=float), fs_hz=traces.fs_hz, valid=traces.valid, config=f)
    xb = bandpass(y, fs_hz=traces.fs_hz, low_hz=f.low_hz, high_hz=f.high_hz, order=f.order)
    t = np.asarray(traces.t_s, dtype=float)
    free = usable.copy()
    for h in holds:
        free &= ~((t >= h.start) & (t <= h.end))
    return dominant_rate(xb, fs_hz=traces.fs_hz, usable=free, config=config.breaths)[1]


def process(traces: MotionTraces, *, config: Config = DEFAULT) -> SignalResult:
    """Breaths, holds, clip rate and rate series of ``traces.breathing`` (invalid samples skipped)."""
    x = np.asarray(traces.breathing, dtype=float)
    t = np.asarray(traces.t_s, dtype=float)
    if x.shape != t.shape:
        raise ParameterError(f"breathing has {x.size} samples but t_s has {t.size}")
    if x.size == 0:
        return SignalResult(None, 0.0, (), (), (), 0.0, ("empty trace",))
    t0 = float(t[0])
    seg = segment(
        x, fs_hz=traces.fs_hz, t0_s=t0, config=config.breaths, filters=config.filters, valid=traces.valid
    )
    holds = find_holds(
        x,
        fs_hz=traces.fs_hz,
        breaths=seg.breaths,
        t0_s=t0,
        config=config.holds,
        filters=config.filters,
        valid=traces.valid,
        moving=traces.moving,
    )
    breaths = outside_holds(seg.breaths, holds, tolerance_s=config.holds.edge_tolerance_s)
    if holds:
        bpm, rate_conf = rate_outside_holds(traces, seg.breaths, holds, config=config)
    else:
        bpm, rate_conf = clip_rate(breaths, periodicity=seg.periodicity, config=config.rate)
    series = rate_series(breaths, t_start_s=t0, t_end_s=float(t[-1]), holds=holds, config=config.rate)
    notes = []
    if not seg.usable.all():
        notes.append(f"{(~seg.usable).sum() / traces.fs_hz:.0f} s without a usable measurement")
    if not breaths:
        notes.append("no breaths found" if not holds else "no breaths found outside the breath holds")
    elif bpm is None:
        notes.append("breathing too weak or irregular for a reliable rate")
    return SignalResult(
        rate_bpm=bpm,
        rate_confidence=rate_conf,
        rate_series=series,
        breaths=breaths,
        holds=holds,
        confidence=rate_conf * float(seg.usable.mean()),
        notes=tuple(notes),
    )
