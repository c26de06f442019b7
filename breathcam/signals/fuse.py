"""Video + sound -> one rate, one breath list, one confidence, and which sources contributed.

Rules (thresholds in ``[sound]``):

- a sound reading below ``fuse_min_sound_confidence`` (silent track, noise, no rhythm) is ignored:
  the video result is returned unchanged, ``sources == ("video",)``;
- both readings agree (within ``fuse_agree_fraction``): the rate is their confidence-weighted
  mean, the confidence rises (1 - (1 - c_video)(1 - c_sound): two independent witnesses), the
  breaths and holds stay the video's (the video sees lung volume; sound only its speed);
- they disagree: the video reading stands unchanged (a rhythmic sound that is not breathing
  must not make it worse) and a note says so;
- video has no reading but sound has one: the sound's rate and breaths are used;
- sound could not tell the rate from twice the rate (``sound.rate_candidates``, no sound rate):
  the video decides.  The candidate that agrees with the video's rate is taken as the sound's
  reading (confidence ``fuse_candidate_confidence``: sound heard this rhythm, video chose its
  octave) and fused as above; none agrees: the video reading stands.  Without video there is no
  rate;
- the sound's rate is half or twice the video's (within ``fuse_agree_fraction``): the same rhythm
  counted in half-breaths or double breaths; the video's reading stands and a note says so.

Holds always come from the video: sound cannot tell a held breath from quiet breathing (a video
hold that coincides with a sound silence keeps its confidence; one during audible breathing is
dropped to half).  A sound-only reading (no video rate) keeps the sound's own confidence.

Where it fails: when both sources lock onto the same wrong rhythm (a rocking person who also
hums) the agreement raises a wrong reading's confidence.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from breathcam.config import DEFAULT, Config
from breathcam.types import Analysis, Quality

if TYPE_CHECKING:
    from breathcam.signals.sound import SoundResult

__all__ = ["fuse"]


def fuse(video: Analysis, sound: SoundResult | None, *, config: Config = DEFAULT) -> Analysis:
    """Combine a video Analysis with a SoundResult (breathcam.signals.sound) into one Analysis."""
    sc = config.sound
    if sound is None:
        return video
    notes = list(video.quality.notes)
    candidates = tuple(sound.rate_candidates)
    if sound.rate_bpm is None and candidates and video.rate_bpm is not None:
        pick = min(candidates, key=lambda c: abs(c - video.rate_bpm))
        if abs(pick - video.rate_bpm) / max(video.rate_bpm, 1e-9) <= sc.fuse_agree_fraction:
            notes.append(f"sound: {' or '.join(f'{c:.0f}' for c in candidates)}/min; the video chose {pick:.0f}/min")
            video = replace(video, quality=replace(video.quality, notes=tuple(dict.fromkeys(notes))))
            sound = replace(sound, rate_bpm=pick, confidence=sc.fuse_candidate_confidence,
                            rate_confidence=sc.fuse_candidate_confidence)
    if sound.rate_bpm is None or sound.confidence < sc.fuse_min_sound_confidence:
        if sound.rate_bpm is None and candidates:
            notes.append(f"sound track: {' or '.join(f'{c:.0f}' for c in candidates)}/min, too close to call; "
                         "the video did not settle it")
        else:
            notes.append("sound track: no breathing rhythm heard; video alone")
        return replace(video, quality=replace(video.quality, notes=tuple(dict.fromkeys(notes))), sound=sound)
    cv = float(video.quality.confidence) if video.rate_bpm is not None else 0.0
    cs = float(sound.confidence)
    if video.rate_bpm is None:
        notes.append("rate from the breath sounds (the video gave no reliable reading)")
        return replace(
            video,
            rate_bpm=sound.rate_bpm,
            rate_series=sound.rate_series,
            breaths=sound.breaths,
            quality=Quality(round(cs, 3), video.quality.pose_found, tuple(dict.fromkeys(notes + list(sound.notes)))),
            sources=("sound",),
            sound=sound,
        )
    rel = abs(video.rate_bpm - sound.rate_bpm) / max(video.rate_bpm, 1e-9)
    holds = tuple(h if _silent_during(h, sound) else replace(h, confidence=round(h.confidence * 0.5, 3)) for h in video.holds)
    if rel <= sc.fuse_agree_fraction:
        rate = (cv * video.rate_bpm + cs * sound.rate_bpm) / max(cv + cs, 1e-9)
        conf = 1.0 - (1.0 - cv) * (1.0 - cs)
        notes.append(f"video and sound agree on the rate ({video.rate_bpm:.1f} and {sound.rate_bpm:.1f}/min)")
    else:
        # A rhythmic sound that is not breathing (music, a ticking clock) must not make the video
        # reading worse: the video's rate and confidence stand, the disagreement is noted.
        ratio = sound.rate_bpm / max(video.rate_bpm, 1e-9)
        if any(abs(ratio - k) / k <= sc.fuse_agree_fraction for k in (0.5, 2.0)):
            notes.append(
                f"video and sound disagree on the rate ({video.rate_bpm:.1f} vs {sound.rate_bpm:.1f}/min): the same "
                f"rhythm, the sound counting {'inhale and exhale as two breaths' if ratio > 1 else 'two breaths as one'}; "
                "the video reading is kept"
            )
        else:
            notes.append(
                f"video and sound disagree on the rate ({video.rate_bpm:.1f} vs {sound.rate_bpm:.1f}/min); "
                "the video reading is kept"
            )
        return replace(video, quality=replace(video.quality, notes=tuple(dict.fromkeys(notes))), sources=("video",), sound=sound)
    return replace(
        video,
        rate_bpm=round(rate, 3),
        holds=holds,
        quality=replace(video.quality, confidence=round(conf, 3), notes=tuple(dict.fromkeys(notes))),
        sources=("video", "sound"),
        sound=sound,
    )


def _silent_during(hold, sound) -> bool:
    """True when a sound silence covers most of the hold (or sound was never audible there)."""
    covered = sum(max(0.0, min(hold.end, s.end) - max(hold.start, s.start)) for s in sound.silences)
    return covered >= 0.5 * hold.duration_s
