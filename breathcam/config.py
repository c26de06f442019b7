"""Every default and threshold of breathcam, in one place, each with the reason for its value.

Algorithms take their parameters from these frozen dataclasses; none keeps a magic number of its
own.  A TOML file can override any field::

    [filters]
    low_hz = 0.04

    [holds]
    min_hold_s = 4.0

and is loaded with :func:`load_config` (``breathcam analyze --config FILE``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from breathcam.types import InputError


@dataclass(frozen=True)
class VideoConfig:
    # Frames wider than this are downscaled before pose and optical flow.  Breathing moves the
    # chest by 1-10 px at 640x480; halving a 1280x720 frame keeps that above the 0.05 px
    # resolution of pyramidal Lucas-Kanade and quadruples the speed.
    max_width_px: int = 640
    # A clip whose timestamps claim fewer frames per second than this cannot follow a 40/min breath
    # (0.67 Hz needs > 2 samples per cycle with margin); below it the analysis refuses the clip.
    min_fps: float = 4.0
    # Above this the container's frame rate is treated as corrupt (no consumer camera exceeds it).
    max_fps: float = 1000.0
    # Frames read when a file is opened, before any work: enough to see whether the container
    # carries increasing timestamps and what rate they imply (the median of 7 intervals ignores
    # one odd interval), few enough that opening stays instant.
    probe_frames: int = 8
    # A file that ends before this fraction of the frames its container announces is reported as
    # truncated (``ended_reason``).  Containers estimate their frame count from duration x fps, so a
    # variable-frame-rate clip can legitimately fall a few percent short.
    min_decoded_fraction: float = 0.9
    # A USB camera may return a single empty read when it re-negotiates exposure; this many failed
    # reads in a row mean it is gone and the session ends (keeping what was measured).
    camera_max_failed_reads: int = 5
    # Replay (the camera stand-in) drops a frame that is already this late against the wall clock,
    # as a camera does for a slow consumer.  0.1 s is three frames at 30 fps: small enough to keep
    # the consumer near real time, large enough that scheduler jitter never drops frames.
    replay_max_lag_s: float = 0.1
    # Replay waits at most this long for one frame; a longer gap in a clip's timestamps is skipped
    # (and the clock rebased) so replay can never hang on a broken timestamp.
    replay_max_wait_s: float = 5.0


@dataclass(frozen=True)
class PoseConfig:
    # Pose runs on one frame in this many seconds, not on every frame: the torso regions move far
    # more slowly than breathing, and pose (about 45 frames/s here) would otherwise cap the analysis
    # below the 5x real-time target.  Between pose frames the regions are held.
    interval_s: float = 0.5
    # Landmarks below this mediapipe visibility are treated as not seen.
    min_visibility: float = 0.5
    # Exponential smoothing of region corners between pose frames (0 = frozen, 1 = no smoothing).
    # 0.3 at one update per 0.5 s settles in about 2 s, slower than any breath, so the regions do
    # not breathe with the person.
    smoothing: float = 0.3
    # mediapipe pose detection confidence; 0.5 is mediapipe's default and finds both bundled stills.
    min_detection_confidence: float = 0.5
    # While pose finds nobody it is retried this often (not every interval_s), so a person who
    # enters later is found within a few seconds and an empty scene costs little.
    retry_interval_s: float = 2.0
    # After the last pose success the regions are held this long before falling back to motion:
    # mediapipe misses single frames (motion blur, a hand in front) and a brief miss should not
    # move the regions.
    lost_after_s: float = 2.0
    # Torso length (shoulder line to hip line) per shoulder-landmark separation, used when the hips
    # are out of frame.  Drillis & Contini give acromion-to-trochanter 0.288 H against biacromial
    # breadth 0.259 H (1.11); mediapipe's shoulder points sit inside the acromia, so the landmark
    # ratio is larger: 1.25 and 1.39 on the two bundled stills (their extrapolated hips).
    torso_per_shoulder_width: float = 1.3
    # Torso length per vertical ear-to-shoulder distance, used when the shoulder width says little
    # (side view) and the hips are hidden.  Drillis & Contini: ear to acromion 0.11 H, acromion to
    # trochanter 0.288 H (2.6); on the bundled stills the landmark ratio is 2.0-2.1 (the shoulder
    # points lie below the acromion).  2.2 sits between.
    torso_per_head_drop: float = 2.2
    # Chest region along the torso, as fractions of torso length below the shoulder line: from just
    # below the clavicles (the shoulder landmarks are at clavicle height) to ~40 %, the lower edge of
    # the pectorals / 4th rib.
    chest_top: float = 0.08
    chest_bottom: float = 0.40
    # Chest width as a fraction of the shoulder separation: stays inside the shoulder joints so
    # the arms (which move on their own) are not tracked.
    chest_width: float = 0.8
    # Belly region: 55-95 % of the torso length (below the rib margin to just above the hips);
    # narrower than the shoulders (the waist), 0.7 of their separation.
    belly_top: float = 0.55
    belly_bottom: float = 0.95
    belly_width: float = 0.7
    # Shoulder band, for shoulder lift: from this fraction of torso length above the shoulder
    # points (the top of the shoulders and trapezius) to this fraction below, and widened by this
    # fraction of the shoulder separation on each side so both shoulder tops are inside.
    shoulder_above: float = 0.15
    shoulder_below: float = 0.08
    shoulder_margin: float = 0.15
    # Side view: the torso's depth (back to front) per torso length, ~0.2 H chest depth over 0.29 H
    # torso length, 0.6 with margin lost to the back; the regions are shifted this fraction of the
    # depth toward the side the person faces, where the chest and belly walls move.
    side_depth: float = 0.6
    side_front_shift: float = 0.15
    # View from shoulder separation / torso length: 0.72 and 0.80 on the frontal stills (and
    # about 0.75 for adults in general: biacromial 0.259 H over 0.288 H, minus the acromion inset);
    # a three-quarter view falls toward 0.4, a side view (one shoulder behind the other) below 0.2.
    front_min_ratio: float = 0.5
    side_max_ratio: float = 0.25
    # When the shoulder points are this far apart relative to the frame width and there is no
    # independent torso length (head and hips out of frame), the view is called front: only a
    # frontal torso spreads its shoulders over a third of the frame.
    front_min_width_fraction: float = 0.33
    # Confidence is the mean visibility of the landmarks used, times this when the torso length
    # had to be estimated from proportions (hips hidden): the belly region is then a guess.
    estimated_length_confidence: float = 0.8
    # No region is smaller than this (pixels, each side): optical flow needs a 21 px window and a
    # handful of corners inside the region.
    min_box_px: int = 24
    # A belly box with less than this fraction of its area inside the frame is returned clipped,
    # with a note that the belly is mostly out of frame.
    min_inside_fraction: float = 0.5
    # A new pose estimate whose region centre is more than this fraction of the region size away
    # from the held one replaces it at once (the person moved) instead of being smoothed in.
    snap_fraction: float = 0.5
    # Motion fallback: temporal intensity variance is accumulated on a gray image this wide
    # (the torso is large; 160 px makes it cost ~0.1 ms a frame), sampled at this rate (5 samples
    # per cycle of a 60/min breath), with an exponential memory of this many seconds: longer than
    # a 12/min breath and half of a slow 6/min one, so any breathing chest shows, and short
    # enough that the region follows a person who moves.
    fallback_width_px: int = 160
    fallback_sample_hz: float = 10.0
    fallback_window_s: float = 6.0
    # The moving area "stands out" when its strongest motion (99th percentile of the temporal
    # standard deviation) is this many times the typical level (median): camera noise and
    # flicker are spatially uniform and stay near 1-2.
    fallback_min_contrast: float = 3.0
    # Pixels above this fraction of that 99th percentile form the moving area.
    fallback_level: float = 0.3
    # Moving area grown by this fraction of its size (breathing moves the edges of the torso
    # most; its middle is what we want inside the box) and never smaller than this fraction of the
    # frame on each side.
    fallback_margin: float = 0.15
    fallback_min_fraction: float = 0.3
    # When nothing stands out: the central part of the frame (fractions of width and height),
    # where a framed torso is.
    fallback_central_width: float = 0.6
    fallback_central_height: float = 0.8


@dataclass(frozen=True)
class MotionConfig:
    # Uniform sampling rate of the motion traces.  10 Hz resolves breaths up to 60/min (1 Hz) with
    # five samples per cycle and keeps the signal core cheap on 30-minute clips.
    fs_hz: float = 10.0
    # Lucas-Kanade window and pyramid: 21 px at level 3 follows the 1-10 px breathing excursions
    # and the 20-60 px movements of a person in the frame.
    lk_window_px: int = 21
    lk_levels: int = 3
    # Shi-Tomasi corners per region: enough for a robust median, few enough for speed.
    max_corners: int = 60
    corner_quality: float = 0.005
    min_corner_distance_px: int = 5
    # Points are re-detected when fewer than this fraction of them survive tracking.
    min_tracked_fraction: float = 0.5


@dataclass(frozen=True)
class FilterConfig:
    # Band-pass low edge 0.05 Hz keeps 3/min breathing (4-7-8 is 3.2/min) in the pass band.
    low_hz: float = 0.05
    # High edge 1.0 Hz passes 60/min, above the 40/min the project promises.
    high_hz: float = 1.0
    # Butterworth order per edge; 2 keeps the ringing of a 0.05 Hz edge short.
    order: int = 2
    # Low-pass used on the hold trace (no high-pass: that turns a hold's plateau into a slope).
    hold_lowpass_hz: float = 1.0


@dataclass(frozen=True)
class BreathConfig:
    # Shortest and longest plausible breath: 1.5 s is 40/min, 25 s is 2.4/min (below 4-7-8's 3.2).
    min_breath_s: float = 1.2
    max_breath_s: float = 25.0
    # A peak or trough counts when its prominence is at least this fraction of the robust breath
    # amplitude; 0.3 ignores the ripples of talking and noise but keeps shallow breaths.
    min_prominence_fraction: float = 0.3
    # Part of an exhale that is flat within this fraction of the breath depth is the pause.
    pause_level_fraction: float = 0.1
    # A breath deeper than this multiple of the median of its neighbours is a sigh.
    sigh_depth_ratio: float = 2.0
    # Neighbours on each side used for the sigh comparison.
    sigh_neighbours: int = 4


@dataclass(frozen=True)
class HoldConfig:
    # Shortest hold reported.  Natural end-expiratory pauses at rest last up to about 2 s; the
    # shortest intended hold in the exercises is box breathing's 4 s.
    min_hold_s: float = 3.0
    # The trace counts as flat while its speed stays below this fraction of the typical breathing
    # speed (median absolute speed over the surrounding breaths).
    flat_speed_fraction: float = 0.15
    # A hold whose level lies in the upper part of the breath range (trough 0, peak 1) is a hold
    # after inhale, else after exhale.
    inhale_level: float = 0.5


@dataclass(frozen=True)
class RateConfig:
    # Sliding window for the rate series: long enough for two 3/min breaths.
    window_s: float = 40.0
    # Interval between points of the rate series (the contract asks for about one per second).
    step_s: float = 1.0
    # Below this confidence the clip rate is reported as null ("a wrong number is worse than none").
    min_confidence: float = 0.35
    # Fewer complete breaths than this give no clip rate.
    min_breaths: int = 2


@dataclass(frozen=True)
class Config:
    video: VideoConfig = field(default_factory=VideoConfig)
    pose: PoseConfig = field(default_factory=PoseConfig)
    motion: MotionConfig = field(default_factory=MotionConfig)
    filters: FilterConfig = field(default_factory=FilterConfig)
    breaths: BreathConfig = field(default_factory=BreathConfig)
    holds: HoldConfig = field(default_factory=HoldConfig)
    rate: RateConfig = field(default_factory=RateConfig)


DEFAULT = Config()


def load_config(path: str | Path | None = None) -> Config:
    """Return the defaults, overridden by the sections and keys of a TOML file when given."""
    if path is None:
        return DEFAULT
    import tomllib

    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"config file {path} is not valid TOML: {exc}") from None
    sections = {}
    for f in dataclasses.fields(Config):
        current = getattr(DEFAULT, f.name)
        overrides = data.pop(f.name, {})
        known = {g.name for g in dataclasses.fields(current)}
        unknown = set(overrides) - known
        if unknown:
            raise InputError(f"config [{f.name}] has unknown keys: {', '.join(sorted(unknown))}")
        sections[f.name] = dataclasses.replace(current, **overrides)
    if data:
        raise InputError(f"config has unknown sections: {', '.join(sorted(data))}")
    return Config(**sections)
