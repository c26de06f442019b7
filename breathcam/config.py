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
    # the consumer near real time, large enough that scheduler jitter rarely drops a frame.
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
    # A pose whose torso axis (shoulders to hips) points more than this many degrees away from
    # image-down is discarded: upright, leaning and lying people are within 90-100 deg, while
    # mediapipe's false detections in clothing folds can come out head-down (seen on a
    # torso-only crop of the grace_hopper still).
    max_axis_from_down_deg: float = 120.0
    # Torso length (shoulder line to hip line) per shoulder-landmark separation, used when the hips
    # are out of frame.  Drillis & Contini give acromion-to-trochanter 0.288 H against biacromial
    # breadth 0.259 H (1.11); mediapipe's shoulder points sit inside the acromia, so the landmark
    # ratio is larger: 1.25 and 1.39 on the two bundled stills (their extrapolated hips).
    torso_per_shoulder_width: float = 1.3
    # Hips closer to the shoulder line than this many shoulder widths are a wrong estimate and are
    # ignored (adults measure 1.1-1.4 in landmark units; slouching shortens it to about 1.0).
    min_torso_per_shoulder_width: float = 0.9
    # Torso length per distance from the ears' midpoint to the shoulders' midpoint, used when the
    # shoulder width says little (side view) and the hips are hidden, and to tell the view.
    # Drillis & Contini: ear to acromion 0.11 H, acromion to trochanter 0.288 H (2.6); on the
    # bundled stills the landmark ratio is 2.0-2.1 (the shoulder points lie below the acromion).
    # 2.2 sits between.
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
    # The person faces the side where the nose is, when it lies more than this fraction of the
    # torso length off the shoulders' midline (in profile it is 0.15-0.3 ahead; facing the camera,
    # within a few hundredths).
    facing_min_offset: float = 0.1
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
    # No region is smaller than this (pixels, each side): optical flow needs its 15-21 px window
    # and a handful of corners inside the region.
    min_box_px: int = 24
    # Head box (the sway reference) side, as a fraction of torso length, when the face landmarks
    # span less: a head is about 0.1 H wide against a 0.29 H torso.
    head_size: float = 0.35
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
    # ... and is at least this many gray levels: below half a level (8-bit quantisation) nothing
    # moves, whatever the ratio (a still image repeated has a temporal std of exactly 0).
    fallback_min_std: float = 0.5
    # Seconds of accumulated frames before the motion map is used; before that, the centre.
    # One second holds a third of a 20/min breath: enough to see a moving chest begin.
    fallback_min_s: float = 1.0
    # The fallback regions are re-estimated this often (and smoothed like pose updates): often
    # enough to follow a person who shifts, rarely enough to keep the tracked points.
    fallback_update_s: float = 2.0
    # Confidence of motion-located regions: something moves there, but nothing says it is a
    # chest.  The centre-of-frame guess gets half of it.
    fallback_confidence: float = 0.3
    # Pixels above this fraction of that 99th percentile form the moving area.
    fallback_level: float = 0.3
    # Moving area grown by this fraction of its size (breathing moves the edges of the torso
    # most; its middle is what we want inside the box) and never smaller than this fraction of the
    # frame on each side.  The margin, as a fraction of the small image, is also the dilation that
    # joins the moving edges of one body (outline, folds) into one area.
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
    # Grey frames are blurred by this gaussian sigma before corners and LK (0 = off).  Video
    # compression leaves a static 8x8 block pattern; on plain clothing corners lock onto it and
    # the chest reads too little motion.  Measured on the astronaut (blurred by 8 px to look like
    # plain cloth, JPEG quality 30): chest correlation 0.56 -> 0.97 with 1.5 px, and 0.965 -> 0.99
    # of the true amplitude at quality 30 on the sharp still; no loss on clean frames; 0.3 ms.
    smooth_sigma_px: float = 1.5
    # Lucas-Kanade window and pyramid.  Frame-to-frame motion of a seated person is well under
    # 5 px, so 2 levels of a 15 px window (reach about 30 px per frame) suffice; measured on the
    # astronaut still with sensor noise, 15 px/2 levels tracks a 1 px breath to 0.011 px rms, as
    # precisely as 21 px/3 levels and cheaper.  An 11 px window is 25% cheaper again but lost a
    # third of the chest amplitude on plain cloth under heavy compression.
    lk_window_px: int = 15
    lk_levels: int = 2
    # LK stops after this many iterations or when an update is below this many pixels.  Frame-to-
    # frame motion is sub-pixel, so LK converges in a few steps; 10 / 0.02 px tracked as precisely
    # as 20 / 0.01 px on clean and on compressed synthetic clips (residual 0.010 px) and is cheaper.
    lk_iterations: int = 10
    lk_epsilon_px: float = 0.02
    # A point whose forward-backward round trip misses its start by more than this is dropped.
    # Good points on textured clothing come back within 0.05 px; 0.5 px keeps them under video
    # compression while dropping points that slid along an edge or were occluded.
    fb_max_px: float = 0.5
    # Shi-Tomasi corners per torso region: 40 gives a median that is 0.01 px precise while keeping
    # update() near 3 ms per frame at 640x480 with all four point groups (see tests/test_motion.py).
    max_corners: int = 40
    # Corners for the head reference and the background: they only need a robust translation.
    reference_corners: int = 25
    background_corners: int = 30
    # Relative corner quality: low, because plain clothing has few strong corners and every
    # weak but trackable one (wrinkles, seams, the box edge) helps the median.
    corner_quality: float = 0.005
    min_corner_distance_px: int = 5
    # Points are re-detected when fewer than this fraction of them survive tracking.
    min_tracked_fraction: float = 0.5
    # A region needs this many surviving points for a frame's median to count; below it the frame
    # is a tracking failure for that region (5 is the least for a median robust to 2 outliers).
    min_points: int = 5
    # A region smaller than this (pixels, either side) is not tracked: too few corners fit.
    min_box_px: int = 12
    # Points are re-seeded when the region's box has moved by more than this fraction of its mean
    # side, or changed size by more than this fraction, since they were seeded: pose updates the
    # boxes every 0.5 s with smoothing, and points seeded in an old box would measure the wrong
    # part of the torso.  Re-seeding adds no jump (the traces integrate frame-to-frame increments).
    reseed_shift_fraction: float = 0.25
    reseed_size_fraction: float = 0.25
    # When a corner search finds too few background points (plain wall, torso filling the frame),
    # it is retried only after this long: the full-frame search costs about 1 ms.
    reseed_retry_s: float = 1.0
    # Background points are taken from the left and right strips of the frame (this fraction of
    # the width each), outside the person's boxes grown by background_margin_fraction of their
    # size: the person's arms and hair lie next to the boxes.  No top strip: above the head there is
    # mostly the same wall as at the sides, or the top of the head itself.
    background_strip_fraction: float = 0.2
    background_margin_fraction: float = 0.3
    # The belly's expansion fit (translation + scale + rotation) drops points whose residual
    # exceeds this many robust standard deviations (MAD x 1.4826) and refits once.
    expansion_outlier_sigmas: float = 3.0
    # Floor of that residual threshold in pixels, so that a near-perfect fit does not reject good
    # points for residuals at the level of LK's own precision.
    expansion_outlier_floor_px: float = 0.05
    # Gaps between measured frames longer than this are marked invalid (shorter ones are filled
    # linearly): 0.5 s is an eighth of a 15/min breath, short enough that a line is a fair guess.
    max_gap_s: float = 0.5
    # Breathing band used to judge trace quality (raw vs sway-corrected, chest vs belly weights):
    # 3/min (4-7-8 is 3.2/min) to 60/min, the same band as the signal core's filters.
    band_low_hz: float = 0.05
    band_high_hz: float = 1.0
    # Above the breathing band and its first harmonics only noise remains: its density, measured
    # from this frequency up to 0.9 x Nyquist, estimates the in-band noise for the SNR.
    noise_low_hz: float = 1.5
    # Half-width of the breathing peak when judging spectral concentration: a breath rate drifting
    # by +-3/min within a minute stays inside it.
    peak_halfwidth_hz: float = 0.05
    # Welch segment for the quality spectra: 60 s holds several slow (3-6/min) breaths.
    quality_window_s: float = 60.0
    # Shorter traces than this are too short to judge quality: corrections and weights fall back
    # to the defaults (camera-shake correction off, chest and belly weighted equally).
    min_quality_s: float = 15.0
    # A sway correction (background, then head) replaces the current choice only when it improves
    # by this factor: the unexplained part (1 - r^2) of its correlation with the belly expansion
    # (a breathing proxy that ignores sway), or else the breathing peak's share of its power.
    # Subtracting a reference adds that reference's own noise, so a tie keeps the simpler trace.
    correction_gain: float = 1.1
    # Without the proxy, a correction is also taken when it is about as concentrated (within that
    # factor) and leaves at most this fraction of the trace's power: the reference then
    # explained a sway bigger than the breathing (a standing person sways 5-20 px, more than the
    # 1-5 px of the chest).  Where the head rises with the chest, this costs part of the chest
    # amplitude but keeps a clean breathing trace.
    max_corrected_power: float = 0.5
    # The belly expansion serves as that proxy only when some candidate chest trace correlates
    # with it at least this much (it then explains over a third of the chest's band-passed
    # variance); below, the belly is too weak or too noisy to judge by (seen: a belly box on the
    # blurred fill below a still that ends at mid-chest correlated 0.52 with the chest).
    min_proxy_correlation: float = 0.6
    # Without a sway-free proxy, the head is subtracted from the chest (scaled by the coupling) when
    # the chest shares at least this share of the head's sideways motion: the upper body then
    # moves as one piece (seen: 0.98 on a swaying rendered person; tracking noise alone gives ~0).
    # Breathing seen from the front moves the chest up, not sideways, so the coupling ignores it.
    min_rigid_coupling: float = 0.7
    # A reference (head, background) is only offered as a correction when it was measured on at
    # least this fraction of the valid frames.
    min_reference_fraction: float = 0.5
    # The belly is sign-aligned to the chest only when their band-passed traces correlate at least
    # this much and the chest's breathing-band SNR is at least min_orientation_snr; otherwise each
    # keeps its physical orientation (chest up, belly out = inhale).
    min_sign_correlation: float = 0.3
    min_orientation_snr: float = 2.0
    # Chest and belly are combined only when their band-passed traces correlate at least this much
    # (either sign: paradoxical breathing is still one breath).  Below it they are not measuring the
    # same breath (a belly box off the picture correlated 0.05 with a clean chest) and the region
    # with the sharper breathing peak is used alone.  Equal to min_sign_correlation, so every
    # combined pair can be sign-aligned.
    min_coherent_correlation: float = 0.3
    # The head is taken to show the facing direction in a side view when its centre lies more
    # than this fraction of the chest box width ahead of the chest centre.
    facing_offset_fraction: float = 0.05


@dataclass(frozen=True)
class FilterConfig:
    # Band-pass low edge 0.05 Hz keeps 3/min breathing (4-7-8 is 3.2/min) in the pass band.
    low_hz: float = 0.05
    # High edge 1.0 Hz passes 60/min, above the 40/min the project promises.
    high_hz: float = 1.0
    # Butterworth order per edge; 2 keeps the ringing of a 0.05 Hz edge short.
    order: int = 2
    # Low-pass used on the hold trace (no high-pass: that turns a hold's plateau into a slope).
    # 1 Hz keeps the corners of a 40/min breath and removes camera noise above it.
    hold_lowpass_hz: float = 1.0
    # Invalid stretches up to this long are bridged by interpolation and analysed (one dropped
    # frame or a blink of the tracker); longer ones hold no breaths and no holds.
    max_gap_s: float = 1.0
    # A sample-to-sample jump larger than this multiple of the upper quartile of all jumps is a
    # glitch (tracker jump), not breathing: a sine's steepest step is 1.1x its upper quartile and
    # white noise exceeds 5x in about 1 sample in 10^6.
    glitch_diff_ratio: float = 5.0


@dataclass(frozen=True)
class BreathConfig:
    # Shortest plausible breath: 1.2 s is 50/min, above the 40/min the project promises.
    min_breath_s: float = 1.2
    # Longest plausible breath, holds included: a 4-7-8 breath is 19 s, and a breath with a 20-30 s
    # hold in it is still one breath.  Longer ones lose confidence, they are not dropped.
    max_breath_s: float = 45.0
    # Range searched for the dominant rate (autocorrelation), a little wider than 3-40/min.
    min_rate_bpm: float = 2.5
    max_rate_bpm: float = 50.0
    # The dominant period is the shortest autocorrelation peak reaching this fraction of the highest
    # one: multiples of the period score nearly as high, a half period of real breathing far lower.
    acf_peak_ratio: float = 0.8
    # Peaks (troughs) closer than this fraction of the dominant period are one breath: 0.35 lets
    # irregular breathing (a breath 40 % shorter than the typical one) through and still merges
    # the double humps of noise on a slow breath.
    min_distance_fraction: float = 0.35
    # Below this periodicity (autocorrelation at the dominant period) the dominant period is not
    # trusted for that spacing, nor for the low-pass that places breath boundaries: talking breathing reads 0.1-0.3 and its best lag spans two or three
    # breaths (seen on the VRWi dialogue belts), while steady breathing reads above 0.6.
    min_periodicity_for_spacing: float = 0.5
    # A peak or trough counts when its prominence is at least this fraction of the robust breath
    # amplitude; 0.3 ignores the ripples of talking and noise but keeps shallow breaths.
    min_prominence_fraction: float = 0.3
    # Robust breath amplitude: the spread between these percentiles of the band-passed trace over
    # a window of this many dominant periods (and at least amplitude_window_s) around each sample.
    amplitude_low_percentile: float = 5.0
    amplitude_high_percentile: float = 95.0
    amplitude_window_periods: float = 4.0
    amplitude_window_s: float = 30.0
    # Breath boundaries are placed on a low-passed (not high-passed) trace whose cutoff is this
    # multiple of the dominant rate, between the two limits: 6x keeps the corners of a raised-cosine
    # inhale sharp to about a tenth of the inhale; at least 0.5 Hz keeps the sudden start of an
    # exhale after a hold within 0.3 s (0.3 Hz smeared it 0.7 s early on 4-7-8).
    refine_cutoff_factor: float = 6.0
    refine_min_cutoff_hz: float = 0.5
    # An inhale (exhale) starts where the rising (falling) speed first exceeds this fraction of the
    # edge's peak speed: 0.1 places a raised-cosine inhale's start within 3 % of the inhale.
    onset_speed_fraction: float = 0.1
    # A trace that begins inside an inhale holds a complete first breath when it begins within
    # this fraction of the depth above the level the breath returns to: the part missed is then a
    # few tenths of a second, which the smoothing cannot tell from none.
    edge_level_fraction: float = 0.15
    # Part of an exhale that is flat within this fraction of the breath depth is the pause.
    pause_level_fraction: float = 0.1
    # A breath deeper than this multiple of the median of its neighbours is a sigh (physiological
    # sighs are 2-3x a tidal breath; irregular tidal breaths rarely reach 1.6x).
    sigh_depth_ratio: float = 2.0
    # Neighbours on each side used for the sigh comparison.
    sigh_neighbours: int = 4
    # Breath confidence from depth over the noise floor (sd of the sample noise after the boundary
    # low-pass): extrema of pure noise reach 2-5 sd, so 3 sd scores 0 and 12 sd (a breath at
    # 10 dB SNR) scores 1, log-scaled between.
    snr_low: float = 3.0
    snr_high: float = 12.0
    # Regularity: a breath lasting exp(regularity_log_scale) times the median of its neighbours
    # (2x for 0.7) keeps exp(-1) of its confidence; irregular but real breathing stays above 0.7.
    regularity_log_scale: float = 0.7
    # Share of the breath confidence that regularity can take away (a lone irregular breath is
    # still a breath).
    regularity_weight: float = 0.4


@dataclass(frozen=True)
class HoldConfig:
    # Shortest hold reported.  Natural end-expiratory pauses at rest last up to about 2 s; the
    # shortest intended hold in the exercises is box breathing's 4 s.
    min_hold_s: float = 3.0
    # A hold's depth scale (level tolerance, labelling) is the median depth of this many breaths
    # nearest to it: the breaths just before and after, robust to one sigh among them.
    depth_neighbours: int = 4
    # Speed is the slope of a straight line fitted over this window: 1.5 s averages camera noise
    # down 5x while a 3 s hold still spans two windows.
    speed_window_s: float = 1.5
    # With noisy traces the window grows (noise in a fitted slope falls as window^-1.5) up to this,
    # the shortest hold reported: a longer window would blur a hold's edges into it.
    max_speed_window_s: float = 3.0
    # ...and never beyond this share of the typical breath, or fast breathing averages out to flat.
    max_window_breath_fraction: float = 0.4
    # The trace counts as flat while its speed stays below this fraction of the typical breathing
    # speed (this percentile of the absolute speed over the clip, the moving parts of breaths).
    flat_speed_fraction: float = 0.08
    ref_speed_percentile: float = 90.0
    # ...and never below this multiple of the speed that the noise alone gives a flat trace, so
    # noise does not chop a real hold into pieces.
    noise_speed_factor: float = 2.5
    # Flat stretches at least this long seed a hold; its edges then extend (by at most half a
    # speed window, the blur of the centred window) while the level stays within the larger of
    # level_noise_factor noise sd and level_depth_fraction of the breath depth of the seed's level.
    core_min_s: float = 1.0
    level_noise_factor: float = 2.5
    level_depth_fraction: float = 0.03
    # The slow ends of the movements around a hold also move slower than the flat threshold and
    # look like part of it (by speed or within the level tolerance); a hold must outlast
    # min_hold_s plus their expected length, modelled as a raised-cosine inhale and a passive
    # exponential exhale whose speed decays by e^-3 over the exhale (its last 30 % moves less
    # than 5 % of the depth).  Without this, 3/min breathing with 2 s pauses shows 4-6 s "holds"
    # at 20 dB SNR.  tail_margin scales the expectation (1.5: no false holds down to 15 dB but
    # 10 % of box-breathing holds lost).
    exhale_decay: float = 3.0
    tail_margin: float = 1.0
    # Movements shorter than this inside a flat stretch (a swallow, noise) do not end the hold.
    bridge_s: float = 0.5
    # The hold is labelled by how the trace moves in this many seconds before and after it: rising
    # into it and falling out of it is a hold after inhale, the reverse after exhale.  2 s covers
    # most of an inhale at 12/min and the steep start of any exhale.
    context_s: float = 2.0
    # Confidence of a hold: the movement into and out of it within context_s, summed, over twice
    # this fraction of the local breath depth (a half-breath on each side scores 1); a hold far
    # longer than min_hold_s plus the slow ends scores 1 as well.
    label_depth_fraction: float = 0.5
    # Holds below this confidence are not reported: a real hold is entered and left by a clear
    # movement (half a breath within context_s); the slow ends of 3/min breathing that pass for a
    # plateau in noise score 0.3-0.45, intended holds 0.9-1.
    min_confidence: float = 0.6


@dataclass(frozen=True)
class RateConfig:
    # Sliding window for the rate series: long enough for two 3/min breaths.
    window_s: float = 40.0
    # The window grows to hold at least this many typical breaths (slow breathing, 4-7-8).
    min_window_breaths: float = 3.0
    # Interval between points of the rate series (the contract asks for about one per second).
    step_s: float = 1.0
    # Below this confidence the clip rate is reported as null ("a wrong number is worse than none").
    min_confidence: float = 0.35
    # Fewer complete breaths than this give no clip rate (nor a rate series point).
    min_breaths: int = 2
    # Clip confidence from breath-to-breath periodicity: the autocorrelation of the squashed
    # band-passed trace at the dominant period (breaths.dominant_rate).  Seeded coloured and white
    # noise give 0.10-0.23, restless breathing (irregularity 0.3, sighs) 0.38-0.48, steady
    # breathing above 0.8; the score rises linearly from 0 to 1 between these two values.
    periodicity_low: float = 0.2
    periodicity_high: float = 0.38


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
