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
    # While pose keeps finding the torso where the regions already are (each chest and belly box
    # within steady_fraction of its size of pose's new one, same view and facing), the interval may
    # double after each such run up to steady_interval_s; any other outcome (a move, a miss, a false
    # torso, another view) goes back to interval_s at once.  Pose is the largest cost after optical
    # flow; 2 s halves the pose runs on the bundled sample (90 -> 41) with identical results there,
    # but on the real webcam clip (a talking, moving person) the regions then lag and the rate moved
    # from 11.8 to 8.8/min (trace correlation 0.98).  So off by default (steady_interval_s equal to
    # interval_s); 0.1 of a box's size is about mediapipe's own jitter on a 150 px chest.
    steady_interval_s: float = 0.5
    steady_fraction: float = 0.1
    # Landmarks below this mediapipe visibility are treated as not seen.
    min_visibility: float = 0.5
    # Exponential smoothing of region corners between pose frames (0 = frozen, 1 = no smoothing).
    # 0.3 at one update per 0.5 s settles in about 2 s, slower than any breath, so the regions do
    # not breathe with the person.
    smoothing: float = 0.3
    # mediapipe pose detection confidence; 0.5 is mediapipe's default and finds both bundled stills.
    min_detection_confidence: float = 0.5
    # Which mediapipe API runs pose and the outline: "tasks" (PoseLandmarker and ImageSegmenter with
    # the models shipped in models/; the only API of mediapipe 0.10.30 and later), "solutions" (the
    # legacy mp.solutions of mediapipe up to 0.10.21, whose wheel carries the same models), or
    # "auto": solutions where the installed mediapipe still has them (pip installs 0.10.21 on
    # CPython 3.11-3.12: its tracking is steadier on side views, see models/README.md), else tasks
    # (CPython 3.13 and later).
    mediapipe_api: str = "auto"
    # The Tasks PoseLandmarker in VIDEO mode tracks the person (each run's landmarks place the next
    # run's crop) and filters the landmarks, more strongly the closer its timestamps.  Each pose
    # run is stamped this much after the previous one in the task's own clock (monotonic,
    # independent of the frame times, which pose samples every 0.1-2 s): 1/30 s is the clock the
    # legacy API kept (it stamped every call 33 ms on), under which the regions move from run to
    # run as much as they did there (real clips: 1.4 px mean step against 1.6 legacy; 2.0 against
    # 2.0), where 10 s (no filtering) lets the tracking crop wander (1.9 and 2.7 px; on a still
    # photo the hips walk 80 px in 12 runs).  The price is a lag: a sudden shift reaches about
    # 70 % of its size at the next run, 85 % at the one after.
    tasks_clock_step_s: float = 1.0 / 30.0
    # Tasks API: track the person from run to run (VIDEO mode: each run's landmarks place the next
    # run's crop, the detector runs only when tracking is lost), or detect afresh every run (IMAGE).
    tasks_tracking: bool = True
    # Tasks API: each run tracks the person from an anchor frame (see _TasksPose in capture/pose.py:
    # the frame on which pose last detected them afresh), so the tracking crop cannot walk as it
    # does when each run's crop comes from the last run's landmarks.  Pose detects afresh (and the
    # anchor is replaced) when the torso (shoulder midpoint; shoulder width plus nose drop) has
    # moved or changed size by more than this fraction of that size.  Small, because landmarks
    # tracked from a fixed crop follow a move only partly (a 30 px step shows as about 8 px); at
    # 0.15 a person who stepped 30 px kept boxes 22 px too high.
    tasks_anchor_move_fraction: float = 0.03
    # While pose finds nobody it is retried this often (not every interval_s), so a person who
    # enters later is found within a few seconds and an empty scene costs little.  While the
    # outline shows a person, pose is retried every interval_s instead: mediapipe's detector finds
    # a person with the head out of frame in only some frames, and once it has, its tracking keeps
    # them, so each missed chance costs seconds of pose.
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
    # Torso length per upper-arm length (shoulder to elbow landmark), used instead of the head drop
    # in side views whose hips are out of frame, when the arm hangs within max_arm_from_down_deg of
    # the torso's axis.  Drillis & Contini: acromion to trochanter 0.288 H over shoulder to elbow
    # 0.186 H is 1.55.  In a side view the upper arm swings in the picture's plane and is seen at
    # full length, while the head drop shrinks with a bowed head, a camera below the head and a
    # head half out of frame (the head-drop torso then comes out half its length or less).
    torso_per_upper_arm: float = 1.55
    max_arm_from_down_deg: float = 35.0
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
    # With the nose out of frame, a side view's facing comes from mediapipe's depth of the two
    # shoulders (the person faces +x when their left shoulder is the farther one), when the depths
    # differ by at least this fraction of the torso length: in profile they differ by about a torso
    # length, facing the camera by a few hundredths.
    facing_min_depth: float = 0.3
    # View from shoulder separation / torso length: 0.72 and 0.80 on the frontal stills (and
    # about 0.75 for adults in general: biacromial 0.259 H over 0.288 H, minus the acromion inset);
    # a three-quarter view falls toward 0.4, a side view (one shoulder behind the other) below 0.2.
    front_min_ratio: float = 0.5
    side_max_ratio: float = 0.25
    # mediapipe's depths of the two shoulders say how far the shoulder line turns out of the
    # picture: atan2(depth difference, separation) is 0-25 deg facing the camera (the seated
    # webcam clips, the stills) and 80-90 in profile.  A turn of at least this is a side view
    # whatever the separation says (a slightly turned profile otherwise reads "unknown" and gets
    # centred boxes over the arm).
    side_min_rotation_deg: float = 60.0
    # A shoulder just outside the frame (a webcam framing that cuts at the shoulders) with the
    # shoulder line turned less than this is taken where pose puts it, not as hidden behind the
    # body (which makes a side view and a torso length from the head alone).
    front_max_rotation_deg: float = 30.0
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
    # Arms are across the torso when both wrists lie inside the chest or belly box shrunk by this
    # share of its size on every side (a wrist at the box's edge is a hand at the side or on the hip).
    arms_inside_margin: float = 0.1
    # A new pose estimate whose region centre is more than this fraction of the region size away
    # from the held one replaces it at once (the person moved) instead of being smoothed in.
    snap_fraction: float = 0.5
    # A body that moves (squats, lifting: see MovementConfig.follow_speed_px_s) would leave regions
    # held for interval_s and smoothed far behind it: points get seeded on the wrong part of the
    # torso and the chest's anchored body point falls out of its box.  While the motion tracker says
    # the body moves, pose runs every moving_interval_s and its regions are taken as they come, until
    # moving_hold_s after the last such word.  (mediapipe's own landmarks wander 5-20 px between runs
    # on a still person, so pose cannot tell a move from its own jitter.)  About one pose run per
    # 0.1 s more, only while moving.
    moving_interval_s: float = 0.1
    moving_hold_s: float = 1.0
    # Motion fallback: the temporal spread of each pixel of a gray image this wide (the torso is
    # large; 160 px makes it cost ~0.1 ms a frame), sampled at this rate (5 samples per cycle of a
    # 60/min breath), over the last this many seconds: longer than a 12/min breath and half of a
    # slow 6/min one, so any breathing chest shows, and short enough that the region follows a
    # person who moves.  The spread is the interquartile range over 1.349 (a standard deviation
    # for steady noise): a clap, a hand passing or a knock to the camera that fills less than a
    # quarter of the window leaves no trace in it, where it would dominate a variance for seconds.
    fallback_width_px: int = 160
    fallback_sample_hz: float = 10.0
    fallback_window_s: float = 6.0
    # The moving area "stands out" when its strongest motion (99th percentile of the temporal
    # standard deviation) is this many times the typical level (median): camera noise and
    # flicker are spatially uniform and stay near 1-2.
    fallback_min_contrast: float = 3.0
    # ... and is more than this many gray levels: a still scene's compressed pixels flicker by one
    # 8-bit step now and then (a spread of 0.74, with most pixels at exactly 0), which is no
    # motion whatever the ratio; breathing under clothing texture spreads by several levels.
    fallback_min_std: float = 1.0
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
    # --- the person's outline (mediapipe's selfie segmentation model, shipped in models/) ------
    # The outline is computed once per this many seconds, about 3 ms on a 256 px copy of the
    # frame: it checks pose's torso, centres pose's crop, puts side-view boxes on the front of the
    # body and holds the torso when pose finds nobody.  People move far more slowly; at 1 s it
    # costs under 1 % of the analysis.  0 turns the outline off (pose and the motion fallback only).
    outline_interval_s: float = 1.0
    # Width of the frame copy that is segmented: the model works at 256x256 anyway, so a larger
    # copy only costs time (5 ms at 640 px), and boxes need no finer outline than 2.5 px.
    outline_width_px: int = 256
    # A pixel belongs to the person when the model's probability is at least this (its own
    # decision boundary).
    outline_threshold: float = 0.5
    # The largest person area is a person only when it covers at least this share of the frame: a
    # torso framed for breathing covers 10-60 %, specks of misread background well under 1 %.
    outline_min_area: float = 0.03
    # The outline may place the torso by itself only when it reaches within this share of the
    # height of the frame's bottom edge: a framed torso continues below the picture (or stands on
    # its floor), while a lone head or a patch of clothing that the model half recognised (a dark
    # suit on a dark background) floats.
    outline_bottom_margin: float = 0.05
    # Pose's torso is rejected as a false detection when its two shoulder points lie closer
    # together than this share of the outline's width at their height.  Facing the camera they sit
    # near the outline's edges: 0.7-0.9 of its width there on the stills and the seated webcam
    # clips (deltoids, sleeves and hair add the rest); turned by 45 deg about 0.5.  mediapipe's
    # false torsos, found in a neckline or a chest pattern when the head is out of frame, span a
    # small part of it (their shoulders are the neckline's corners).  A turn beyond 60 deg is a
    # side view, checked below instead.
    min_shoulders_per_outline: float = 0.45
    # In a side view (the shoulder points overlap) the check is the outline's median width at the
    # chest and belly rows against the torso length: the body's depth with a hanging arm is
    # 0.45-0.8 torso lengths in profile (chest 0.13 H, belly up to 0.2 H for a big belly, over a
    # 0.29 H torso); 1.2 is half again the deepest of those.  mediapipe's tracking can keep a
    # side-view skeleton squashed to half its size from a bad first detection (its torso then sits
    # on the upper arm), which doubles the ratio.
    max_outline_per_torso_side: float = 1.2
    # Torso length from the outline alone (pose found nobody): the outline's body width (the 90th
    # percentile of its row widths: the shoulders and arms) over this: 1.3 on the seated
    # webcam clip, about 1.0 for a front-facing adult without clothing (chest breadth 0.17 H
    # plus two arms of 0.05 H against a 0.29 H torso).
    outline_width_per_torso: float = 1.2
    # The shoulder-landmark separation that the outline's body width stands for, which sizes the
    # boxes' widths as for pose: biacromial breadth less the acromion inset (0.23 H) over the width
    # across the arms (0.3-0.35 H); 0.62 on the webcam clip.
    outline_shoulders_per_width: float = 0.6
    # The shoulder line is the first row from the top where the outline reaches this share of its
    # body width: a head or neck spans 0.3-0.5 of it, the shoulders 0.8-1.  An outline that is
    # already that wide in the frame's top row has its shoulders cut by the frame.
    outline_shoulder_fraction: float = 0.7
    # Confidence of outline-located regions: a person is there, but chest and belly are placed by
    # proportions (the motion fallback's guess gets fallback_confidence).
    outline_confidence: float = 0.5
    # --- the view from the outline alone (pose found nobody) -----------------------------------
    # A head above the shoulder line counts as evidence of the view only when the outline above
    # that line is at least this many body widths tall: a head with its neck is 0.7 body widths
    # tall from the front (0.33 m over 0.45 m across the shoulders and arms) and over one in
    # profile; a chin or a neck stub at a frame's top edge (torso framings) is under 0.15.
    outline_head_min_height: float = 0.3
    # The first row from the top as wide as the shoulders (outline_shoulder_fraction) may be a head
    # seen in profile, as deep as the torso (or cut by the frame's top): a neck is a row below it
    # narrower than this share of the widest row above it, found within outline_neck_search body
    # widths of the outline's top, and the shoulder line is where the outline is that wide again
    # below the neck.  A neck in profile is 0.6-0.75 of the head's depth; a torso narrows by 0.9
    # at most (a waist).  The search reaches past a head in profile (its height is about the
    # torso's depth) and not far into a front view's torso (1.5 body widths down).
    outline_neck_fraction: float = 0.75
    outline_neck_search: float = 1.5
    # ... and the part above that neck is a head only when its widest row is at most this share of
    # the torso's median width below it: a head in profile is 0.7-0.9 of the torso's depth, while
    # a torso cut by the frame that narrows and widens again (a waist, gaps where the model missed
    # clothing) is about as wide above the narrowing as below.
    outline_cut_head_max: float = 0.9
    # The head's width (its widest row above the neck) over the torso's (the median width below
    # the shoulder line): from the front a head (0.15-0.2 m with hair) spans 0.3-0.45 of the
    # shoulders and arms (0.45 m), 0.33-0.51 on the stills and seated webcam clips (long hair the
    # most); in profile it is 0.7-0.9 of the torso's depth (0.2 m against 0.22-0.3 m), 0.72-0.89 on
    # the drawn side views.  Up to the first is a front view, from the second a side view.
    outline_head_front_max: float = 0.55
    outline_head_side_min: float = 0.65
    # The outline's median width below the shoulder line over its height there (to the frame's
    # bottom or the outline's end): a torso framing standing side-on shows a body 0.5 torso
    # lengths deep over 1-1.6 torso lengths (0.2-0.4, also on the real side views); facing the
    # camera 1.1-1.2 torso lengths wide (0.7-1.2 standing, 2-6 seated at a desk with the head in
    # view).  Up to the first is a side view, from the second a front view, in between unclear.
    # A whole body seen from the front is narrow too (legs): its head, when seen, contradicts it
    # and the view stays unknown.
    outline_side_max_aspect: float = 0.45
    outline_front_min_aspect: float = 0.6
    # Torso length of a side view from the outline: the body's depth (median width over the chest
    # and belly rows) over this.  Chest depth 0.13 H and belly depth 0.12-0.2 H over a 0.29 H torso
    # (0.45-0.65), clothing and a hanging arm add a little; 0.42 on the drawn side view; 0.5 sits
    # between.  (A frame edge says nothing of the length: the head, hips or both may be cut.)
    outline_side_depth_per_torso: float = 0.5
    # Which way a side view faces, with pose absent: the front is the wall that breathes.  Over the
    # chest and belly rows, the temporal spread of the motion map (see fallback_window_s) within
    # facing_wall_window_px of each edge of the outline, divided by the edge's contrast, is how far
    # each edge moves; summed over the outlines since the side view began.  The side whose edge
    # moves at least facing_min_wall_ratio times as far as the other is the front: 1.2-1.9 on drawn
    # side views breathing (the back stays put), 1.1-1.9 on real standing profiles; standing
    # sway moves both edges alike (0.9-1.0 with 6 px of sway), hands and hair move either.  Not
    # before facing_min_updates outlines (about a breath), so that one breath's start cannot decide.
    # The window, in pixels of the motion map (160 px wide: 8 px of a 640 px frame), holds the
    # outline's own error (2.5 px) and a breath's excursion.
    facing_wall_window_px: int = 2
    facing_min_wall_ratio: float = 1.3
    facing_min_updates: int = 3
    # A side view with a known facing gets chest and belly boxes over the front of the torso: from
    # side_box_front - side_box_depth to side_box_front torso lengths ahead of the shoulder
    # landmarks' midpoint.  In profile those landmarks sit at the middle of the body's depth
    # (0.45-0.65 torso lengths: chest depth 0.13 H, belly 0.12-0.2 H, over a 0.29 H torso), so
    # the chest and belly walls lie 0.25-0.4 ahead: the box holds them and their front contour,
    # which moves forward on inhale, and leaves out the hanging arm (within +-0.1 of the
    # landmarks) and most of the background.
    side_box_front: float = 0.4
    side_box_depth: float = 0.35
    # Where the outline's front contour over the box's rows lies between side_front_min and
    # side_front_max torso lengths ahead of the shoulders (a torso's wall, not an arm the model
    # kept while losing a shirt against a wall of its colour, nor a chair), the box's front edge is
    # put side_contour_margin beyond it instead: a big belly or a slim chest.  The contour follows
    # the person's area out over pixels the model still gives outline_soft_threshold: a white
    # shirt against a white wall reads 0.2-0.5 there, the background under 0.05.
    side_front_min: float = 0.2
    side_front_max: float = 0.8
    side_contour_margin: float = 0.05
    outline_soft_threshold: float = 0.15
    # When pose loses the person, its regions are kept while the outline still covers at least
    # this share of what it covered of the chest and belly boxes at pose's last success (the person
    # has not moved away), and only if it covered at least outline_min_cover of them then (an
    # outline that misses this clothing says nothing).
    outline_hold_fraction: float = 0.8
    outline_min_cover: float = 0.5
    # Regions placed by the outline are kept this long when later outlines do not place any (the
    # model now and then loses dark trousers or a shirt of the background's colour for a second
    # or two), before the motion fallback takes over.
    outline_lost_after_s: float = 5.0
    # Pose runs on a crop of a landscape frame around the person (the outline's, else pose's last
    # torso, else the frame's centre): square, or the outline's body width times crop_margin when
    # wider.  mediapipe's detector shrinks the whole frame into 224 px and is face-driven: a
    # person standing in a third of a wide frame with the head cut is found far less often, and
    # at a scale that its tracking then keeps (a torso half its length).  The crop moves only when
    # the person's centre moved by more than crop_recentre_fraction of its width, so mediapipe's
    # tracking keeps its region of interest between runs.
    crop_margin: float = 1.3
    crop_recentre_fraction: float = 0.15
    # After rejecting a torso that mediapipe's tracking would keep (see max_outline_per_torso_side),
    # its tracking is reset so the next run detects afresh, at most once per this many seconds: a
    # reset restarts the graph (about 60 ms, three pose runs), and where the detector itself keeps
    # finding a false torso every run, resetting more often only costs time.
    pose_reset_interval_s: float = 5.0


@dataclass(frozen=True)
class MotionConfig:
    # Uniform sampling rate of the motion traces.  10 Hz resolves breaths up to 60/min (1 Hz) with
    # five samples per cycle and keeps the signal core cheap on 30-minute clips.
    fs_hz: float = 10.0
    # A recorded clip may be tracked on only one frame in every fps / track_hz (3 at 30 fps and
    # track_hz 10, 2 at 15) while the body is still, on every frame while it moves
    # (MotionTracker.body_moving).  Optical flow is most of the cost of a frame, so 10 Hz makes the
    # analysis about 2.4x cheaper in CPU time (docs/measurement.md), but it moves results: a point
    # sample every 0.1 s lets head and body jitter above 5 Hz fold into the breathing band, which
    # the every-frame average over each 0.1 s keeps out.  On the real webcam clip (a talking,
    # moving person) the breathing trace correlates only -0.25 with the every-frame one at 10 Hz,
    # 0.95 at 15 Hz; the simulated set's rate MAE moves from 0.07 to 0.08/min.  So 0 (every frame,
    # the accurate default); a faster setting for large archives of still sitters is a choice.
    # Live analysis always takes every frame.
    track_hz: float = 0.0
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
    # The chest's and shoulders' anchored body point (see MotionSample.chest_anchor_dy) goes back to
    # its box's centre only once it is further outside the box than this share of the box's size: a
    # point changed in the middle of a movement answers the movement differently and leaves a step
    # or bump in the trace, and the box (from pose runs) lags a moving body by up to a pose interval.
    anchor_margin_fraction: float = 0.6
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
    # Jolts (signals.jolts): a clap, a hand passing, a bumped camera shake the regions at several
    # hertz, while breathing and squats move them smoothly.  Jerkiness is the displacement above
    # this frequency (above the 1 Hz breathing band's edge, 60/min) ...
    jolt_highpass_hz: float = 1.5
    # ... as an RMS over this window (a clap's shake lasts 0.2-0.5 s) ...
    jolt_window_s: float = 0.3
    # ... and a frame jolts where it exceeds this multiple of the region's median RMS (its
    # tracking jitter): on real clips claps and bumps reach 13-45x, breathing stays within 2-7x ...
    jolt_floor_ratio: float = 10.0
    # ... and this fraction of the torso length (0.4 %: about 1 px on a 300 px torso; real jolts
    # reach 0.7-1.6 %, breathing jitter 0.1 %), so a steady clip's near-zero floor cannot make
    # its own breathing a jolt.
    jolt_min_body_fraction: float = 0.004
    # Jolting frames closer than this are one jolt (a clap's hands going up and down), widened by
    # jolt_margin_s on each side (the window's blur), and kept only when no longer than jolt_max_s:
    # longer jerky motion is movement the person performs (signals.movement).
    jolt_merge_s: float = 0.5
    jolt_margin_s: float = 0.2
    jolt_max_s: float = 2.0
    # Shorter logs have no reliable jitter floor: nothing is masked.
    jolt_min_clip_s: float = 5.0


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
    # A sample-to-sample change that departs from the median of the four changes around it (two
    # on each side) by more than this multiple of the upper quartile of such departures is a glitch (a tracker
    # jump), not breathing: a breath's changes follow their neighbours (a 12/min sine departs by
    # under 1 % of its steepest step at 10 Hz), and so does a fast deep inhale into a hold that
    # fills the rest of a short clip, which a test against the clip's own typical change would
    # take for a jump; Gaussian noise departs by more than 5 upper quartiles in about 1 sample in
    # 10^4 (and such a sample is only replaced by its neighbourhood's median).
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
    # Nor is it trusted when the trace holds more than this many prominent peaks per dominant period
    # (peaks found with no spacing): a hold every few breaths makes the autocorrelation repeat every
    # group of breaths (2 breaths and a 7 s hold read as one 17 s period and merged breaths in
    # pairs).  Steady breathing has one peak per period; 1.4 leaves room for a sigh's double hump.
    max_peaks_per_period: float = 1.4
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
    # speed: this percentile of the absolute speed over the samples that move, near the peak
    # speed of a breath (a sine's 95th is 0.997 of its peak).  95 rather than 90: in a short clip
    # that one breath takes into a hold, the slow settling that follows fills much of the moving
    # samples, and a lower percentile falls into it; 98 lets noise set it (false holds in the
    # seeded 3/min breathing of tests/test_holds.py).
    flat_speed_fraction: float = 0.08
    ref_speed_percentile: float = 95.0
    # The percentile is taken over the samples that move faster than the noise alone makes a flat
    # trace move (noise_speed_factor times its slope noise), when at least this many seconds move:
    # in a short clip filled by a hold, a percentile over every sample would fall inside the hold.
    min_moving_s: float = 1.0
    # Where the whole body moves (squats, lifting), what is left of the removed movement ripples
    # the breathing trace by 0.2-0.4 px per repetition on the simulator (a tenth of a 3 px breath,
    # tracking error under fast motion that no regression on the body's motion removes): there
    # the trace is flat below this fraction instead.  On the movement benchmark 0.08 found 3 of 6
    # holds through squats and lifts, 0.2 4, 0.3 all 6, with no false hold in continued breathing
    # (the slow ends of breaths are discounted for this threshold as for the normal one).
    moving_flat_speed_fraction: float = 0.3
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
    # A creeping hold moves slower than this fraction of the typical breathing speed: a held chest
    # settles and a body keeps sinking after a breath out for a few seconds (on real clips at
    # 0.1-0.3 of the speed of the breath into the hold), part of the hold rather than a breath.
    creep_speed_fraction: float = 0.3
    # The slow end of a slow breath creeps alike, so a creeping stretch is a hold only when it
    # outlasts by min_hold_s this percentile of the creeping rests at the ends of the person's other
    # breaths (irregular breathing rests long now and then: a high percentile, not the median).
    rest_percentile: float = 90.0
    # Movements shorter than this inside a flat stretch (a swallow, noise) do not end the hold.
    bridge_s: float = 0.5
    # A hold's edges are placed to within about half a speed window; a "breath" found within a
    # hold widened by this much is the ripple of the held trace, and is dropped.
    edge_tolerance_s: float = 0.5
    # The hold is labelled by how the trace moves in this many seconds before and after it: rising
    # into it and falling out of it is a hold after inhale, the reverse after exhale.  2 s covers
    # most of an inhale at 12/min and the steep start of any exhale.
    context_s: float = 2.0
    # ... of which at least this much must be measured before a hold (its entry must be seen) and,
    # unless the hold is open, after it.  A hold followed by less than this before the measurement
    # ends (the clip's end, a clap masked at the end) is open: it lasted at least until its end.
    min_context_s: float = 1.0
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
    # A hold interrupts the breathing (and its time is left out of the rate) when its breath lasts
    # more than this multiple of the median breath without a hold: a natural pause makes a breath
    # up to about 1.4x longer than its neighbours, a deliberate 8 s hold at 14/min 2.8x.
    hold_breath_ratio: float = 1.5


@dataclass(frozen=True)
class ReportConfig:
    # Variability (coefficient of variation of breath duration, RMSSD of successive durations) is
    # given only over at least this many breaths: a standard deviation from fewer than 5 values
    # is off by more than a third in one case out of three.
    min_breaths_variability: int = 5
    # Breaths below this confidence are shown greyed in the per-breath table and counted in the
    # quality notes (the signal core scores noise-like extrema near 0, clean breaths near 1).
    low_confidence: float = 0.5
    # Each strip of the waveform plot spans this long: at 12/min a 2-minute strip holds 24 breaths,
    # 40 px each on a printed page, so every breath and hold stays readable.
    waveform_row_s: float = 120.0
    # At most this many points per plotted line (min/max per bucket): a 60-minute trace at 10 Hz
    # is 36,000 samples, far more than the ~1000 px of a page, and would bloat the file.
    max_plot_points: int = 1600
    # Observations on the report's first page (descriptive, not a diagnosis).  Adult resting
    # breathing is 12-20/min in the textbooks; above 20/min for a whole session is noted as fast.
    fast_rate_bpm: float = 20.0
    slow_rate_bpm: float = 8.0
    # Healthy adults sigh about 12 times an hour (0.2/min); more than twice that is noted as
    # frequent sighing (Boulding et al. 2016: "periodic deep sighing").
    frequent_sighs_per_min: float = 0.5
    # A chest-belly phase lag beyond this is noted as asynchrony (healthy quiet breathing stays
    # within about 20 deg; 180 deg is paradoxical).
    asynchrony_phase_deg: float = 40.0
    # Observations are only drawn from a reading at least this confident.
    min_observation_confidence: float = 0.5
    # A saved analysis (``breathcam report OUT.json``) longer than this, or with a time beyond it,
    # is refused as damaged: a week is far above any recording or live session, and a crafted
    # duration of 10^12 s would otherwise ask the plots for billions of points.
    max_analysis_s: float = 604800.0
    # A live session (SessionRecorder) commits what it has every this many seconds, half the
    # 2-second loss limit, so that a slow disk write still keeps a kill within it.
    live_commit_interval_s: float = 1.0
    # A session-history database locked by another writer is waited for this long before the
    # command gives up with a message (a live session commits in milliseconds).
    db_timeout_s: float = 5.0


@dataclass(frozen=True)
class LiveConfig:
    # The online analyzer works on the last window_s of motion: the rate window (40 s) plus
    # margin, and three breaths of 4-7-8 (19 s each), the slowest exercise, so the dominant-rate
    # search of the breath segmentation still sees its period.
    window_s: float = 60.0
    # Breaths, holds and the rate are recomputed this often: the contract's rate series is about
    # one point per second, and one recompute on a 60 s window costs about 10-20 ms here.
    update_interval_s: float = 1.0
    # The end of the window is checked for an open hold this often (a cheaper subset of the
    # recompute): a hold must be flagged within 3 s of its start, and the flat run itself needs
    # open_hold_min_s, leaving about 0.5 s for the check's own cadence.
    hold_check_interval_s: float = 0.5
    # No analysis before this much motion: the segmentation needs two breaths at 12/min.
    min_analysis_s: float = 10.0
    # A flat run at the end of the trace this long is an open hold.  Natural end-expiratory
    # pauses at rest last up to about 2 s, but the flat test (flat_mask, the batch holds' test)
    # already excludes the moving ends of the breaths around them; 2 s plus the 0.5 s check
    # cadence and the 10 Hz resampling keeps the flag within 3 s of a hold's start.
    open_hold_min_s: float = 2.0
    # ...and only after the trace moved by this fraction of a typical breath's depth within
    # [holds] context_s before the run: a person who never moved is not holding a breath.
    open_hold_move_fraction: float = 0.3
    # A new open-hold start within this of the one already flagged is the same hold (the flat
    # run's start shifts a little as samples arrive); the first start is kept.
    open_hold_merge_s: float = 1.5
    # A flagged open hold that the window's batch holds (find_holds, which needs min_hold_s plus
    # the slow ends of the breaths around it) still do not report open after this long is the
    # slow end of a breath, not a hold: the flag is dropped.  On seeded 6-18/min breathing the
    # batch holds report a real hold open 2.5-4 s after it starts.
    open_hold_confirm_s: float = 6.0
    # Breaths and holds are committed (final) only when they end this long before the window's
    # end, or this many typical breaths if longer: boundaries near the end move as later samples
    # arrive (zero-phase filter edges; a breath's end is the next one's start).
    commit_guard_s: float = 3.0
    commit_guard_breaths: float = 1.0
    # Seconds of breathing shown by the scrolling waveform: four breaths at 12/min, one box cycle.
    wave_s: float = 20.0
    # The waveform keeps at most this many points per second (a camera at 60 fps gives no more
    # detail than 30 for breathing).
    wave_max_fps: float = 60.0
    # A session keeps running this long after the camera stops delivering frames, showing a
    # message, before it ends and writes what was measured.
    lost_camera_message_s: float = 3.0
    # "Too dark" setup hint: the frame's mean grey level (0-255) below this; a lit face at
    # webcam exposure sits at 80-140, a dim room at night around 30.  Every dark_stride_px-th
    # pixel is read (cost ~0.1 ms at 640x480).
    dark_mean_grey: float = 40.0
    dark_stride_px: int = 8
    # The coach sees this many of the latest committed breaths and holds (its rules look at the
    # last few breaths; a minute of 12/min breathing).
    coach_recent_breaths: int = 12
    # The live sound estimate (signals.sound.SoundAnalyzer.result over its 45 s window: 20-30 ms
    # on a quiet machine, 70 ms on a loaded one) is recomputed this often: over a 45 s window the
    # rate moves little in 3 s, and once a second would cost 2.5-7 % of a core alone (the audio
    # path's budget is 5 %, the microphone's callback and the sound meter included).
    sound_update_interval_s: float = 3.0
    # ...this long after the first sound and then every interval: half a second off the video's
    # once-a-second recompute, so the two never land on the same frame (frame-to-overlay p95).
    sound_update_offset_s: float = 0.5
    # A confident live sound reading stays shown this long when the next window hears no rhythm
    # (one window's estimate dips below [sound] fuse_min_sound_confidence now and then when the
    # window is short): one weak update is skipped; after that, no rhythm heard means no reading.
    sound_keep_s: float = 5.0
    # A microphone fault (none, lost, muted) is said once on screen for this long: long enough to
    # read two short lines, short enough not to hide the coach's cues for long.
    mic_notice_s: float = 6.0
    # The session's sound is kept (8 kHz float32: 32 KB a second) for the final analysis over the
    # whole session, as a recording is analysed; beyond this the oldest is dropped (2 h: 230 MB).
    session_sound_max_s: float = 7200.0
    # A microphone that stalls and comes back (a frozen sound server, a busy machine that dropped
    # blocks) leaves a gap in the sound's timeline: a gap longer than this is filled with the room's
    # tone (below), so that every later sound time stays on the session's clock.  Contiguous blocks are
    # placed by their sample count (no gap at all), so 50 ms (under a block) is never jitter.  A
    # block that starts before the end of the previous one (its clock re-anchored back) loses its
    # overlapping samples.
    sound_gap_fill_s: float = 0.05
    # The fill: noise at this percentile of the rms of the last sound_gap_blocks blocks kept (a
    # block is what a microphone callback brings, 0.1 s: 100 blocks are the last 10 s, a breath
    # and its pause at any rate over 6/min).  The median is the sound's typical level, neither a
    # breath nor a pause: on a 30 s session at 15/min with a 4 s stall the sound rate stays 15.2
    # (cut out: 15.3), where the quiet of a pause (10th percentile) reads as a hold and leaves no
    # reading, and digital silence reads as a deep dip with loud edges (6/min).
    sound_gap_percentile: float = 50.0
    sound_gap_blocks: int = 100


@dataclass(frozen=True)
class OverlayConfig:
    # Text scale for the main numbers (rate, hold timer, pacer phase) at a 640 px wide frame:
    # cv2's Hershey font at scale 1.0 is about 22 px tall, readable from 60-80 cm on a laptop
    # screen; it scales with the frame width.
    font_scale: float = 1.0
    # Smaller text (labels, feedback message) relative to font_scale.
    small_scale: float = 0.6
    # Line thickness of text and shapes at 640 px width (1 px lines vanish at laptop distance).
    thickness: int = 2
    # The waveform panel: the bottom fraction of the frame, semi-transparent so the person stays
    # visible under it.
    wave_height_fraction: float = 0.2
    panel_alpha: float = 0.55
    # The pacer circle's radius range as a fraction of the frame height: small on empty lungs,
    # large on full; 0.05-0.14 keeps it out of the person's face in a centred framing.
    pacer_min_radius_fraction: float = 0.05
    pacer_max_radius_fraction: float = 0.14
    # Colours (BGR).  Chest orange and belly cyan differ for the common colour-vision deficiencies
    # (blue-orange axis); the pacer is green, holds and warnings red-ish, text white on dark.
    chest_bgr: tuple[int, int, int] = (0, 140, 255)
    belly_bgr: tuple[int, int, int] = (255, 200, 0)
    pacer_bgr: tuple[int, int, int] = (80, 220, 80)
    hold_bgr: tuple[int, int, int] = (60, 60, 230)
    text_bgr: tuple[int, int, int] = (255, 255, 255)
    panel_bgr: tuple[int, int, int] = (30, 30, 30)
    # Below this confidence the rate is drawn grey with "?": a wrong number is worse than none.
    min_rate_confidence: float = 0.35
    # The pacer's "in step" figure is coloured by its value: green from compliance_good (the score
    # at which a cycle counts as followed, [coach] cycle_followed_min), amber from compliance_fair,
    # red below (the hold colour): 15 % in green read as praise.
    compliance_good: float = 0.7
    compliance_fair: float = 0.4
    fair_bgr: tuple[int, int, int] = (0, 200, 255)
    # Parts placed beside the torso shrink to fit a narrow free column, down to this share of
    # their size (below it text is no longer readable at laptop distance); a part that does not fit
    # even then goes to its classic place, over the torso.
    min_part_scale: float = 0.6
    # The sound meter's bar is full at this many dB of breath-band sound over the noise floor:
    # audible breathing at a laptop microphone sits 3-15 dB over a quiet room, a gasp near 25.
    sound_meter_full_db: float = 24.0
    # The sound meter's colours: grey while silent, green while a breath is heard.
    sound_bgr: tuple[int, int, int] = (170, 170, 170)
    sound_heard_bgr: tuple[int, int, int] = (80, 220, 80)


@dataclass(frozen=True)
class SoundConfig:
    # Every sound source (microphone, file, a clip's track) is resampled to this rate.  Breath
    # sounds at a contact microphone lie at 100-1000 Hz and at the nose or mouth up to 2-3 kHz;
    # 8 kHz keeps them all (Nyquist 4 kHz) and keeps live band filtering under 1 % of a core.
    sample_rate_hz: int = 8000
    # Octave bands whose log energy is tracked.  Heart sounds sit mostly below 150 Hz, steady fan
    # hum in one or two bands; breath sounds are broadband, so several bands let the analysis use
    # the ones where breathing stands out.  Bands above a source's own Nyquist are dropped.
    band_edges_hz: tuple[float, ...] = (100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0)
    # A band is kept only when its low edge is below this fraction of the source's Nyquist
    # frequency, and its high edge is capped there: a 2 kHz contact recording has nothing above
    # 900 Hz but resampling noise.
    max_nyquist_fraction: float = 0.9
    # Butterworth order of each band filter; 2 keeps the bands overlapping smoothly and cheap.
    band_order: int = 2
    # Energy frames per second (20 ms frames): short enough to see a heart sound (S1, S2 last
    # 80-150 ms) as a separate blip that the heart filter below can take out.
    frame_hz: float = 50.0
    # Heart-sound suppression: each band's log energy is replaced by this percentile over this
    # window.  Heart sounds cover under a third of any 0.6 s (S1 + S2 ~ 0.25 s per beat), breath
    # sounds last 0.7-3 s, so the 30th percentile keeps the breath and drops the beats.
    heart_window_s: float = 0.6
    heart_percentile: float = 30.0
    # The heart's rhythm is looked for among 48-180 beats/min in the blips that stand over the
    # running median of the frame energy; it is taken as heard when their autocorrelation at one
    # beat reaches this (blips at random times: under 0.1; RRuJO contact recordings: 0.3-0.8).
    # Once heard, the percentile window above widens to one whole beat (up to heart_window_max_s,
    # a 40/min heart), so S1 + S2 never fill a third of it, and a breathing-rate candidate at the
    # heart's rate or at half of it (S1 and S2 taken for two beats) is not taken.
    heart_min_bpm: float = 48.0
    heart_max_bpm: float = 180.0
    heart_min_autocorr: float = 0.2
    heart_window_max_s: float = 1.5
    heart_exclude_fraction: float = 0.06
    # The heart's rhythm is looked for first in this band, below the breath bands: heart sounds
    # carry most of their energy at 20-100 Hz (S1 25-45 Hz, S2 a little higher) and a contact
    # microphone hears them there louder than any breath, while the breath bands (100 Hz up) get
    # only their upper edge (on RRuJO's tuning part the heart was found in 1 file of 90 from the
    # breath bands and in 8 from this band).  When it shows no heart, the breath bands are tried.
    heart_band_hz: tuple[float, float] = (20.0, 100.0)
    # The opening samples of a recording are held at the level reached after this long: the band
    # filters ring up from rest and the heart filter's window reaches back half of its 0.6 s, so
    # the first ~0.5 s read low, a step that passed for loudness changing (white noise then showed
    # a 17 dB "breathing" peak in one seed of three).
    settle_s: float = 0.6
    # The feature traces (log energy per band, and the tilt between bands) are sampled at this
    # rate, like the motion traces: 10 Hz resolves breaths up to 60/min.
    feature_hz: float = 10.0
    # Adaptive noise floor: this percentile of each band's log energy over this window.  Breath
    # sounds fill at most half of any breath cycle, so the 10th percentile over 30 s (several
    # breaths even at 6/min) is the background (fan, traffic, room) and follows slow changes.
    floor_window_s: float = 30.0
    floor_percentile: float = 10.0
    # Sound counts as "active" (audible breathing) where the mean band level is this many dB over
    # the floor: 3 dB is twice the background power, well above its frame-to-frame spread after
    # the heart filter (about 1 dB on the real recordings).
    active_db: float = 3.0
    # Rate search range (breaths/min), the same promise as the video path: 3-40/min with margin.
    min_rate_bpm: float = 3.0
    max_rate_bpm: float = 45.0
    # Envelope spectra (Welch) use segments of this length: 60 s resolves 1 breath/min and holds
    # three 4-7-8 breaths; longer recordings are averaged over overlapping segments, so a rate that
    # wanders does not split its peak.
    spectrum_window_s: float = 60.0
    # A peak's prominence is its height over the median of the spectrum in a ring around it, in
    # units of the resolution (1 breath/min at 60 s): the peak within +-0.6, the ring from 1.5 to
    # 4 away.  Measured on the RRuJO envelopes: real breathing peaks stand 8-20 dB out.
    peak_halfwidth_res: float = 0.6
    ring_inner_res: float = 1.5
    ring_outer_res: float = 4.0
    # Inhale and exhale each make a sound, so the loudness envelope often peaks at twice the
    # breathing rate.  Which it is comes from whether the sound events at that peak alternate
    # between two kinds (colour, loudness, duration, spacing; signals.sound.alternation_evidence,
    # a significance test, -log10 p): at this evidence (p < 0.01) half the peak is the rate ...
    alternation_halve_evidence: float = 2.0
    # ... from this evidence (p < 0.1) up, unless the events at twice the peak alternate (then the
    # peak is one breath: its inhale and exhale), the call is too close: no rate from sound alone,
    # the two candidates are kept for the video to decide (signals.fuse).
    alternation_doubt_evidence: float = 1.0
    # The test needs at least this many pairs of events (below: no evidence either way).
    alternation_min_pairs: int = 4
    # ... and tests at most this long a stretch of events at once: a longer recording is tested in
    # consecutive stretches and the median evidence counts.  A significance test grows with the
    # number of pairs, so without this a long recording makes any small, steady odd/even
    # difference "significant" (a clean 3-minute recording read half its rate); the thresholds
    # above were set on 60 s recordings.
    alternation_stretch_s: float = 60.0
    # The loudness and tilt spectra show the same alternation as a peak at half the rate: its
    # prominence over the ring adds (prominence - subharmonic_null_db) / subharmonic_db_per_decade
    # to the evidence.  Where the rate was right, RRuJO's tuning part showed such a "half" peak at
    # a median 6 dB and up to 12.4 dB (1.5 counted); where it was twice the truth, 12-25 dB.
    subharmonic_null_db: float = 8.0
    subharmonic_db_per_decade: float = 3.0
    # ... counted from no less than this many dB below the rhythm's own prominence: in a very
    # clean recording (simulated, no noise) every small asymmetry stands 10-15 dB over the ring.
    subharmonic_max_below_db: float = 18.0
    # A loudness rhythm above this (breaths/min; resting tachypnoea begins at 20-24) is taken as
    # inhale and exhale of a breath at half of it unless the events at twice it alternate (the
    # rhythm's own inhale and exhale heard).  Fast breathing with silent exhales reads half.
    plausible_max_bpm: float = 26.0
    # Confidence of the rate from the prominence of its peak (the best trace): 6 dB scores 0
    # (noise spectra show 4-6 dB peaks by chance), 12 dB scores 1.
    prominence_low_db: float = 6.0
    prominence_high_db: float = 12.0
    # The breath trace is the feature traces band-passed around the breathing rate, from this
    # fraction to this multiple of it, with a Butterworth of this order: 1.45 and order 4 take the
    # inhale-plus-exhale harmonic at 2x down by over 20 dB, so each cycle is one breath.
    breath_band_low: float = 0.7
    breath_band_high: float = 1.45
    breath_band_order: int = 4
    # When the rate is half the loudness rhythm (inhale and exhale both heard), that rhythm at
    # twice the rate is 10-20 dB stronger than the rate itself: the band then ends at this multiple
    # and its order is two higher (a split breath read 13.4/min for 12 on RRuJO's tuning part).
    halved_band_high: float = 1.3
    # Traces whose prominence at the rate is this many dB below the best one's are left out of
    # the breath trace (they add noise, not breathing).
    trace_keep_db: float = 6.0
    # A breath cycle whose loudness swing is below this fraction of the typical one loses
    # confidence in proportion: half the typical swing is still a breath heard clearly.
    min_cycle_amplitude: float = 0.5
    # A breath cycle that starts within this much phase (0.3 rad, 5 % of a breath) of the
    # recording's start counts as complete: the band-pass cannot place an edge more precisely.
    edge_phase_rad: float = 0.3
    # Recordings shorter than this are refused: two breaths at 8/min take 15 s.
    min_duration_s: float = 10.0
    # Samples at or above this fraction of full scale count as clipped; above clipped_fraction of
    # the recording a note says so (clipping adds broadband clicks; the analysis still runs).
    clip_level: float = 0.99
    clipped_fraction: float = 0.01
    # A recording whose level never rises this many dB above its own floor holds no audible
    # breathing (digital silence or steady noise only): rate null with a note.
    min_dynamic_db: float = 2.0
    # Silences: the sound stays below the active level for at least this long (the shortest hold
    # reported by the video path).  Sound alone cannot tell a hold from quiet breathing.
    min_silence_s: float = 3.0
    # Live analysis re-estimates over the last this many seconds of sound (three 6/min breaths).
    live_window_s: float = 45.0
    # Microphone blocks (seconds of audio per callback): 0.1 s keeps the callback rare and the
    # queue short; the analysis works on 20 ms frames regardless.
    block_s: float = 0.1
    # A live microphone is asked for sample_rate_hz itself (its default rate when it refuses): the
    # sound server (PulseAudio, PipeWire) or ALSA's plug layer then converts in its own optimised
    # resampler and this process receives a sixth of the samples of a 48 kHz stream, which halves
    # the audio path's cost here.  False: always the device's default rate, resampled here.
    mic_ask_analysis_rate: bool = True
    # The microphone queue holds this many seconds of blocks; when the consumer falls behind the
    # oldest blocks are dropped and counted (never the callback blocked).
    queue_s: float = 10.0
    # Opening a live microphone waits at most this long: through PulseAudio's ALSA plugin (the usual
    # route on Linux) loading PortAudio and starting the stream take 1.2-2 s (seen here), while a
    # hanging sound server would block for 30 s and more (its client's timeout).
    mic_open_timeout_s: float = 10.0
    # A live microphone that has delivered no block since it started is "lost" after this long:
    # devices deliver within a block or two of the start (PulseAudio's plugin: at once); 5 s leaves
    # room for a loaded machine.
    mic_start_timeout_s: float = 5.0
    # Once blocks flow, a microphone that delivers none for this long is "lost" (pulled out, its
    # server frozen, taken by another program).  Blocks come every block_s (0.1 s); PulseAudio
    # delivers them in bursts of up to 0.2 s and a loaded machine delays a callback by a few
    # hundred ms more, so 1.5 s (15 blocks) is never a normal gap.
    mic_lost_after_s: float = 1.5
    # A block whose rms is below this (dB of full scale) holds no microphone: a 16-bit converter's
    # smallest step is -90 dBFS and any analog microphone's own noise (capsule plus preamplifier,
    # -85 to -55 dBFS on consumer devices at a usable gain) keeps it toggling.  Only digital
    # silence lies lower: a muted or zeroed input, or a virtual device with nothing playing.
    mic_muted_below_dbfs: float = -100.0
    # ... for this long in a row, the microphone is "muted".  2 s is longer than any gap in the
    # blocks a working device delivers and short enough that the overlay says so while the person
    # still wonders why the sound meter is dead.
    mic_muted_after_s: float = 2.0
    # Block times follow the device's sample count from the first block (no scheduler jitter) and
    # are re-anchored to the callback's clock when they drift apart by more than this: 0.1 s is one
    # block, far above the drift of a sound card's clock against the system's (50 ppm is 0.2 ms
    # a minute) and far below what would misplace a breath sound against the video.
    mic_clock_resync_s: float = 0.1
    # ... judged by the median over this long of blocks: one callback the scheduler delays (a few
    # hundred ms on a loaded machine) does not move the timeline, a real shift (samples lost to an
    # overflow) moves it within half of this.
    mic_clock_window_s: float = 1.0
    # close() waits at most this long for PortAudio to stop the stream: stopping a stream whose
    # sound server hangs blocks for 30 s (PulseAudio's client timeout, seen here); a session must
    # end at once, so the stream is then left to finish on its own thread.
    mic_close_timeout_s: float = 1.0
    # Fusion: when video and sound both give a rate that agree within this fraction (a breath in
    # seven at any rate), the two are averaged by confidence and the confidence rises; when they
    # disagree the video reading is kept unchanged.
    fuse_agree_fraction: float = 0.15
    # A sound reading below this confidence is ignored by the fusion (a silent or non-breathing
    # sound track must not make the video result worse).
    fuse_min_sound_confidence: float = 0.35
    # When sound could not tell the rate from twice the rate and the video agrees with one of the
    # two, that one counts as a sound reading of this confidence: the rhythm was heard, its octave
    # is the video's call (just over fuse_min_sound_confidence: it adds little to the video's).
    fuse_candidate_confidence: float = 0.4


@dataclass(frozen=True)
class CoachConfig:
    # --- exercises -----------------------------------------------------------------------------
    # A custom in-hold-out-hold pattern counts as intense (safety screen required) when a hold lasts
    # at least this long: breath-hold rounds (Wim Hof retention, apnoea tables) hold 30 s and more
    # and can make people faint; the longest hold of the gentle exercises is 4-7-8's 7 s.
    intense_hold_s: float = 20.0
    # ... or when its rate is at least this: fast connected breathing runs at 20-40/min with no
    # pause, and sustained it blows off CO2 (tingling, dizziness); the fastest gentle exercise here
    # is 6/min.  Normal resting breathing (12-20/min) is no exercise anyone needs paced.
    intense_rate_bpm: float = 20.0
    # Longest phase a custom pattern may ask for: longer holds belong in a supervised setting.
    max_phase_s: float = 120.0
    # --- compliance ----------------------------------------------------------------------------
    # A measured boundary counts fully when it lies within this fraction of the phase's length of
    # the pacer's boundary, and not at all at twice that: people follow a pacer with a reaction time
    # and round slow phases, so a longer phase allows a larger error (0.3 x 4 s = 1.2 s).
    tolerance_fraction: float = 0.3
    # ... and never less than this: a reaction time (0.3-0.5 s) plus the 0.2-0.4 s with which the
    # signal core places a breath boundary.
    tolerance_min_s: float = 1.0
    # ... and never more than this fraction of the cycle, so that a breath shifted by half a cycle
    # (the pacer's opposite phase) always scores zero.
    tolerance_max_cycle_fraction: float = 0.25
    # Measured events of one kind closer than this are one event (a breath's end and the next
    # breath's inhale start are the same moment).
    dedupe_s: float = 0.5
    # A pacer hold counts as held when measured holds cover this fraction of it: a hold entered
    # with a reaction time and detected without its slow ends still covers 70-90 %.
    hold_full_coverage: float = 0.7
    # Without a measured hold, a pacer hold counts as held when the trace's 10-90 % spread inside
    # it (its ends trimmed by the tolerance) is below this fraction of the median breath depth: the
    # signal core drops some holds near its 3 s minimum (box breathing's 4 s), but a trace that
    # stays this still was held; a breath moving through the span spreads over half its depth.
    hold_flat_fraction: float = 0.15
    # Breaths are reported once complete (at the next inhale), so the boundaries of the last
    # stretch of a session cannot be measured yet: boundaries later than the last measured
    # breath end and within one cycle (at most this many seconds) of now are not scored yet.
    settle_max_s: float = 20.0
    # A cycle counts as followed when the mean score of its phases reaches this.
    cycle_followed_min: float = 0.7
    # --- feedback: timing ----------------------------------------------------------------------
    # No breathing feedback in the first seconds of a session: the analyzer has no reading yet,
    # and a first cue before the person has settled is nagging.
    warmup_s: float = 10.0
    # Any two messages are at least this far apart (safety messages excepted), so the person can
    # read one and act on it before the next; one message at a time.
    min_gap_s: float = 6.0
    # A message stays on screen this long: a short sentence read at laptop distance.
    show_s: float = 5.0
    # The same message is not repeated within its cooldown.  Breathing cues: 45 s is four to ten
    # breaths, time to act on a cue and feel the change before hearing it again.
    cooldown_s: float = 45.0
    # Two different breathing cues (chest, too fast, exhale short, out of step) are at least this far
    # apart: one correction at a time, with a few breaths to work on it.  The hold cue is exempt (it
    # must come while the hold lasts).
    cue_gap_s: float = 20.0
    # The engine keeps the breaths it was given for this long (the live analyzer may pass only the
    # latest ones): a minute for the hyperventilation window plus earlier breaths as its baseline.
    history_s: float = 300.0
    # An unintended hold is told at once (target: within 3 s of its start), then not for this long
    # even if the person holds again: repeating it on every hold is nagging.
    holding_cooldown_s: float = 30.0
    # --- breathing while moving (squats, lifting: signals.movement) ------------------------------
    # A hold while the body moves is told as "keep breathing" instead, once it lasts this long:
    # a Valsalva hold through a squat starts just before the way down, so 2 s is inside the first
    # repetition (a rep takes 2-3 s) and the cue comes while the person still holds.
    moving_hold_min_s: float = 2.0
    # "Breathe out as you come up" when, of the last effort_reps_window repetitions, at least
    # effort_reps_needed had no exhale on the way up (one missed exhale is normal rhythm drift);
    # at most once per effort_cooldown_s (a set of 8 squats at 3 s takes about 25 s).
    effort_reps_window: int = 3
    effort_reps_needed: int = 2
    effort_cooldown_s: float = 30.0
    # Setup hints (no person, too dark, movement, belly out of frame) repeat less often: the person
    # needs time to fix the camera or the light.
    setup_cooldown_s: float = 45.0
    # ... and are given only when their condition lasts this long (a person leaning out of view for
    # a moment, one dark frame).
    setup_persist_s: float = 3.0
    # "Too much motion": at least motion_unmeasured_share of the last motion_window_s had no usable
    # measurement (jolts masked: a hand, fidgeting, a bumped camera; tracking lost) while a person
    # was in view.  5 s is one breath at 12/min; half of it unmeasured leaves no breath to follow.
    motion_window_s: float = 5.0
    motion_unmeasured_share: float = 0.5
    # The distress stop prompt is repeated at most this often while the breathing stays distressed:
    # it must not be missed, but repeating it every few seconds adds stress.
    distress_cooldown_s: float = 20.0
    # After a stop prompt no breathing cue ("follow the pacer", "slow down") for this long: the
    # person was told to stop and rest, and a minute lets the breathing settle.
    distress_quiet_s: float = 60.0
    # The hyperventilation warning at most once a minute: its own window is a minute, and the
    # breathing needs that long to settle after slowing down.
    hypervent_cooldown_s: float = 60.0
    # --- feedback: rules -----------------------------------------------------------------------
    # Rate readings below this confidence give no rate-based feedback ("a wrong number is worse
    # than none"); it is the signal core's own threshold for reporting a rate.
    min_rate_confidence: float = 0.35
    # An open hold is unintended and told when it lasts at least this long.  Natural end-expiratory
    # pauses at rest last up to about 2 s, but the trace's end is judged flat only about 1 s after
    # a hold starts, so 2 s (about 1 s after the flat stretch is seen) keeps the cue within 3 s of
    # the hold's start (measured 2.3-2.5 s on 14/min with 8 s holds); longer pauses of slow
    # breathers are covered by holding_pause_factor.
    holding_min_s: float = 2.0
    # ... and at least this multiple of the person's recent typical pause (slow breathers pause
    # longer; a passive 8 s exhale ends in a 2-3 s crawl that looks flat).
    holding_pause_factor: float = 1.5
    # Breaths that must be seen before an open hold is called a hold: a person sitting still at
    # the start is not holding their breath as far as we know, but after one complete breath we
    # know they breathe (at 6/min a second breath takes 20 s).
    holding_min_breaths: int = 1
    # A hold is intended when the pacer asks for a hold, and for this long after a pacer hold
    # ends (the person lets go with a reaction time) or before one starts (entering it early).
    pacer_hold_grace_s: float = 2.0
    # Breathing is too fast for an exercise when it exceeds the exercise's rate by this factor
    # and by at least too_fast_min_excess_bpm (coherent 5.5/min: above 8.25/min).
    too_fast_ratio: float = 1.5
    too_fast_min_excess_bpm: float = 2.0
    # Outside an exercise breathing is too fast above the resting norm: adults breathe 12-20/min
    # at rest; above 20/min is tachypnoea.
    resting_max_bpm: float = 20.0
    # Rate-based rules look at this many of the most recent complete breaths (median duration):
    # one quick breath is not a pattern, three in a row are.
    recent_breaths: int = 3
    # The exhale is too short when the recent breaths exhale for less than this fraction of what
    # the exercise asks (6 s asked: under 4.2 s).  The measured exhale runs from the exhale start
    # to the next inhale (or hold): a passive exhale's flat tail counts as exhale.
    exhale_short_ratio: float = 0.7
    # ... only in exercises whose exhale is at least this long: a cue to lengthen a 1.5 s exhale
    # of connected breathing makes no sense.
    exhale_short_min_s: float = 3.0
    # Out of step: the compliance of the last out_of_step_cycles complete cycles is below this.
    out_of_step_score: float = 0.5
    out_of_step_cycles: int = 2
    # Chest breathing during belly practice is told when the pattern reads "chest" (or a belly
    # share below this) for chest_persist_s: the pattern label needs a few breaths to settle.
    chest_max_belly_share: float = 0.35
    chest_persist_s: float = 5.0
    # --- safety --------------------------------------------------------------------------------
    # Hyperventilation (Boulding et al. 2016: fast or deep for too long): over the last
    # hypervent_window_s, breathing faster than hypervent_rate_bpm (well above the 20/min resting
    # norm; panic hyperventilation runs at 25-40/min) ...
    hypervent_window_s: float = 60.0
    hypervent_rate_bpm: float = 24.0
    # ... or at least hypervent_min_rate_bpm with breaths this many times deeper (median depth) than
    # the person's own earlier breaths: minute ventilation doubled for a minute lowers CO2.
    hypervent_depth_ratio: float = 2.0
    hypervent_min_rate_bpm: float = 12.0
    # The earlier breaths used as the person's depth baseline: at least this many.
    hypervent_baseline_breaths: int = 5
    # The recent breaths must cover this fraction of the window (sustained, not a few fast breaths).
    hypervent_coverage: float = 0.8
    # Distress (gasping): over the last distress_window_s at least distress_min_breaths breaths,
    # faster than distress_rate_bpm and erratic: a coefficient of variation of breath duration of
    # at least distress_cv, or of depth at least distress_depth_cv.  Steady breathing, even fast
    # connected breathing, varies by under 0.1; simulated gasping at 36/min (log-normal spread 0.4)
    # measures 0.22-0.30 in duration (the signal core smooths some of it) and 0.2-0.25 in depth,
    # and its measured rate 26-36/min.  Or faster than distress_max_rate_bpm, whatever the
    # regularity.
    distress_window_s: float = 20.0
    distress_min_breaths: int = 5
    distress_rate_bpm: float = 26.0
    distress_cv: float = 0.2
    distress_depth_cv: float = 0.3
    distress_max_rate_bpm: float = 50.0
    # A completed hold longer than this ended within distress_window_s is a stop prompt too: a
    # minute and a half without air is beyond what an untrained person should do alone.
    distress_hold_s: float = 90.0


@dataclass(frozen=True)
class PatternConfig:
    # Labels from the belly's share of the camera-visible breathing motion (0 all chest, 1 all
    # belly).  No clinical norm exists for a camera's motion share, so the range is cut into
    # thirds around equal motion: below 0.35 the chest does clearly most of the visible work,
    # above 0.65 the belly.  A mixed band 0.3 wide keeps the measurement's error on simulated
    # clips (a few hundredths, benchmarks/pattern.py) far from a definite label's threshold.
    # breathcam.simulate labels its truth with the same cuts.
    chest_max_share: float = 0.35
    belly_min_share: float = 0.65
    # Label confidence rises from 0.5 at a threshold to full at this distance from it.
    label_margin: float = 0.1
    # The phase is undefined (null) for a breath whose smaller component carries less than this
    # share of the motion: on pure chest breathing the belly's few percent of crosstalk and noise
    # would give a phase of noise.  The renderer's pure chest clip reads 0.10 belly share.
    min_phase_share: float = 0.15
    # Paradoxical when the belly lags the chest by at least this many degrees: beyond 90 deg the
    # belly moves inwards for most of the inhale; 10 deg margin over 90 for the phase's
    # measurement error (within about 5 deg on simulated clips).
    paradoxical_min_deg: float = 100.0
    # A clip label needs at least this many measured breaths (a median of fewer is one breath).
    min_breaths: int = 3
    # Breaths below this confidence (signal core) are not used for the pattern.
    min_breath_confidence: float = 0.3
    # A breath is measured when at least this fraction of its samples are valid.
    min_valid_fraction: float = 0.8
    # Chest and belly must each have been tracked on at least this fraction of the valid samples
    # (plain or dark clothing loses points; a belly out of frame is never tracked); below it the
    # split is not trusted.
    min_measured_fraction: float = 0.8
    # Arms across the torso on more than this fraction of the frames: the arms' own motion
    # enters the chest or belly region, the label is "unknown".
    max_arms_fraction: float = 0.2
    # Per-breath shares spreading more than this (interquartile range, within a stretch without a
    # switch) mean the split is not stable enough to label: 0.25 is most of a label's band.
    max_share_iqr: float = 0.25
    # Chest and belly motion must correlate (either sign, band-passed) at least this much on a
    # breath of belly or mixed breathing; on a chest label the belly may be still, but a belly that
    # shows nothing coherent could also be loose clothing hiding it: its confidence is
    # multiplied by incoherent_factor.
    min_coherence: float = 0.3
    incoherent_factor: float = 0.6
    # Below this confidence the label is "unknown" (the numbers stay): a wrong label is worse
    # than none.
    min_confidence: float = 0.4
    # Confidence factors for readings whose geometry is less certain: a side view (the belly's
    # forward motion against the chest's rise, facing from pose, the outline or the head), a view
    # pose could not classify (angled, the front measure is used), regions located from motion only
    # (their chest/belly split is a guess: "unknown").
    side_view_factor: float = 0.85
    unknown_view_factor: float = 0.7
    # A switch (e.g. chest breathing turning into belly breathing) is reported when a split of the
    # per-breath shares into two stretches of at least switch_min_breaths each changes the mean
    # share by at least switch_min_change and by switch_min_ratio times the stretches' pooled
    # spread, and the two stretches carry different labels.
    switch_min_breaths: int = 3
    switch_min_change: float = 0.3
    switch_min_ratio: float = 3.0
    # Shoulder lift is given only when the shoulder band was tracked; it is the median over breaths
    # of the shoulder band's rise over the breath's chest + belly motion.  Above this it is noted as
    # shoulders lifting with the breath (accessory muscles; clinicians look for it in high chest
    # breathing).
    shoulder_lift_note: float = 0.5


@dataclass(frozen=True)
class MovementConfig:
    # Breathing while moving (signals/movement.py).  Frames are at most 640 px wide (video config),
    # so pixel thresholds are at that scale.
    # The body reference (head, else the belly's translation) must be tracked on this share of the
    # measured frames to be used.
    min_reference_fraction: float = 0.8
    # The body is moving when the reference's robust peak-to-peak excursion in the movement band
    # reaches this: seated sway and the head's share of chest breathing stay within 2-4 px, a
    # squat or bend seen from a laptop moves the body 20-60 px.
    min_movement_px: float = 8.0
    # ...and then only when the reference shows repetitions (find_reps, with the rules below) or
    # its extent reaches this share of the torso's length (MotionTraces.body_px): a posture shift
    # that is no repetition.  On real clips of still people (benchmarks/real.py) sway, the jolt of a
    # hand clap and settling into position move the reference by 1-7 % of the torso (the 7 %:
    # standing up straight into a deep held breath, seen on the belly, whose motion carries that
    # breath: regressing it out takes breathing away); a seated person leaning towards the laptop
    # and back, 10 % (about 5 cm), which swamps a 3 px breath unless removed.
    min_movement_fraction: float = 0.08
    # Its robust extent is taken between this percentile and its complement (1 % ignores glitches).
    extent_low_percentile: float = 1.0
    # The regression of breathing on the reference is fitted in this band (zero-phase Butterworth):
    # wide enough for repetitions every 1-10 s and their harmonics, above the drift of integration.
    fit_low_hz: float = 0.05
    fit_high_hz: float = 2.0
    fit_order: int = 2
    # Repetitions: excursions of the reference at least min_rep_px deep (a third of the smallest
    # movement the project promises), lasting min_rep_s to max_rep_s (a quick squat takes 1 s, a
    # slow lift 8-10 s); their start and end are where the position comes within rep_edge_fraction
    # of the depth from rest (0.04 places a smooth start within 0.15 s of a 1.2 s way down and
    # stays 3-4x above tracking noise on a 20 px movement).
    min_rep_px: float = 7.0
    min_rep_s: float = 0.8
    max_rep_s: float = 12.0
    # ... and at least this share of the median depth of the clip's excursions: the rest position
    # drifting by 8 px between two sets of 90 px bends read as a repetition (a fresh benchmark
    # seed); shallower repetitions among deep ones (a third of the depth) still count.
    min_rep_depth_fraction: float = 0.25
    rep_edge_fraction: float = 0.04
    # A repetition must also be at least this share of the torso's length deep
    # (MotionTraces.body_px; not applied when it is unknown).  Real squats, bends and lifts move the
    # torso by tens of % of its length (a quarter squat lowers the shoulders by about a fifth of it); the
    # simulator's (benchmarks/movement.py) by 15-30 % at its default 35 px and 11-13 % at its
    # smallest, 20 px (squats seen at the head; about 8 % at the belly, the reference when the head
    # is out of frame).  The sway and jolts of still people on real clips stay within 1-5 % (2-3 %
    # where two came in one clip).
    min_rep_excursion_fraction: float = 0.04
    # Repetitions come in a rhythm: a set is a run of repetitions, each starting within
    # max_rep_rest_s of the end of the one before (squats and bends follow on at once, standing
    # with a lifted box before lowering it takes a few seconds; the simulator rests 0.6-0.8 s
    # within a set and 10-15 s between sets), and it counts when it holds min_reps_per_set
    # repetitions of similar depth (the shallowest at least similar_rep_depth_fraction of the
    # deepest); then its repetitions at least that fraction of its median depth count (a jolt
    # just before the set does not).  The sway and jolts of a still person are one-offs: the
    # hand claps at the start and end of a clip are a clip's length apart.
    max_rep_rest_s: float = 4.0
    min_reps_per_set: int = 2
    similar_rep_depth_fraction: float = 0.5
    # A repetition outside a set counts only when it moves the reference by this share of the
    # torso's length (never when the length is unknown): one deliberate squat, bend or lift (a
    # single lift is a common check) moves it by 25-100 %; a still person's one-off jolt, even
    # judged against a torso that pose underestimated two to four times (side views with the hips
    # hidden, a misplaced skeleton), by at most 15 %.
    min_lone_rep_fraction: float = 0.25
    # The position is high-passed at rep_low_hz (posture drift) and low-passed at rep_smooth_hz
    # (tracking jitter) before repetitions are found; both leave a 1-10 s repetition's shape.
    rep_low_hz: float = 0.03
    rep_smooth_hz: float = 2.0
    # A repetition is "held" when breath holds cover this share of it (a hold that starts just
    # after the person leaves rest still counts: Valsalva-style bracing holds the whole effort).
    held_overlap: float = 0.6
    # An exhale falls "on the effort" when it covers this share of the way up (or the lift).
    effort_exhale_overlap: float = 0.4
    # The belly is braced when its breathing speed relative to the chest's during a repetition is
    # below this share of the same ratio between repetitions; it needs this much rest to compare.
    brace_ratio: float = 0.35
    min_rest_for_brace_s: float = 10.0
    # The breath keeps step with the movement when there are at least this many repetitions and
    # the breathing rate is within this share of the repetition rate: then the camera alone cannot
    # separate them (the regression removes the breath with the movement).
    min_reps_for_rhythm: int = 3
    locked_rate_tolerance: float = 0.08
    # ...and the clip's confidence is multiplied by this (below the rate's 0.35 reporting gate
    # only when it was already doubtful: the rate is usually the movement's and the breath's both).
    locked_confidence_factor: float = 0.5
    # "Moving" moments for the moving fraction: the reference faster than this (px/s; seated
    # sway stays near 1-2 px/s).
    moving_speed_px_s: float = 6.0
    # The motion tracker tells the pose locator the body moves (so that the regions follow it, see
    # PoseConfig.moving_interval_s) when the reference travelled faster than follow_speed_px_s over
    # the last follow_window_s: a 20-60 px squat moves at 15-80 px/s; breathing moves the head under
    # 1 px/s and seated sway of a few px stays under 8 px/s.
    follow_speed_px_s: float = 15.0
    follow_window_s: float = 0.3
    # ...widened by this on each side: the slow turn at the bottom and the settling after it.
    moving_margin_s: float = 0.5


@dataclass(frozen=True)
class AssessConfig:
    # The physiotherapist's assessment (breathcam.assess, ``breathcam assess``).
    # Each step is announced on screen with a countdown of this length; the breathing seen during
    # the countdown is not part of the step (the client settles after reading the instruction).
    countdown_s: float = 5.0
    # Rest observation, seated: 2 minutes is what clinicians watch (24 breaths at 12/min: enough
    # for the breath-to-breath variability and a sigh rate in whole sighs per minute).
    rest_s: float = 120.0
    # The control pause step: the instruction, then at most this long for breathing normally, the
    # hold and the first breath after it (a control pause beyond 40 s is the top band; 75 s leaves
    # room for a few breaths before the hold and the first breath after it).
    hold_step_s: float = 75.0
    # On a camera the hold step ends early this long after the first breath that follows a hold
    # (a recorded clip keeps its fixed timeline: the rest of the protocol is laid out on it).
    hold_after_s: float = 5.0
    # The optional standing observation and the movement (N squats or lifts) that follows it.
    standing_s: float = 60.0
    moving_s: float = 60.0
    # A hold in the control-pause step counts as the control pause from this length on: the core's
    # own minimum hold (holds.min_hold_s) is 3 s, and a control pause below 3 s is not measurable.
    min_control_pause_s: float = 3.0
    # The usual control-pause bands (Buteyko practice, not validated as a diagnostic test): below
    # the first is very short, then short, normal, above the last good.
    cp_band_edges_s: tuple[float, float, float] = (10.0, 20.0, 40.0)
    # A key press and the camera's timing are said to agree within this many seconds.
    cp_agree_s: float = 2.0
    # --- the five dysfunctional patterns (Boulding et al., Eur Respir Rev 2016) ------------------
    # Hyperventilation: the rest rate above the textbook adult range (12-20/min).  A camera sees no
    # volume, so "deep for too long" cannot be told; only "fast".
    hyperventilation_rate_bpm: float = 20.0
    # Periodic deep sighing: healthy adults sigh about 12 times an hour (0.2/min); five times that
    # (one a minute) is frequent in any 2-minute observation.  [report] frequent_sighs_per_min (0.5)
    # only notes sighing on a report; flagging a pattern asks for more.
    sighs_per_min: float = 1.0
    # Thoracic dominant: the belly's share of the visible motion below this (PatternConfig's chest
    # cut: the chest does clearly most of the work).
    thoracic_max_belly_share: float = 0.35
    # Thoraco-abdominal asynchrony: the belly lags the chest by more than this (healthy quiet
    # breathing stays within about 20 deg; paradoxical is 180 deg).
    asynchrony_phase_deg: float = 40.0
    # A pattern is told only from at least this many measured breaths, and the chest/belly ones
    # only from a chest/belly reading at least this confident (below it: "cannot tell").
    min_breaths: int = 5
    min_pattern_confidence: float = 0.4
    # Nijmegen questionnaire: 16 items scored 0-4; a total of 23 or more suggests hyperventilation
    # syndrome (van Dixhoorn & Duivenvoorden 1985).
    nijmegen_cutoff: int = 23
    # Reference ranges shown on the assessment report (textbook adult values at rest).
    normal_rate_low_bpm: float = 12.0
    normal_rate_high_bpm: float = 20.0
    normal_ie_low: float = 1.5
    normal_ie_high: float = 2.0


@dataclass(frozen=True)
class Config:
    video: VideoConfig = field(default_factory=VideoConfig)
    pose: PoseConfig = field(default_factory=PoseConfig)
    motion: MotionConfig = field(default_factory=MotionConfig)
    filters: FilterConfig = field(default_factory=FilterConfig)
    breaths: BreathConfig = field(default_factory=BreathConfig)
    holds: HoldConfig = field(default_factory=HoldConfig)
    rate: RateConfig = field(default_factory=RateConfig)
    pattern: PatternConfig = field(default_factory=PatternConfig)
    coach: CoachConfig = field(default_factory=CoachConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    live: LiveConfig = field(default_factory=LiveConfig)
    overlay: OverlayConfig = field(default_factory=OverlayConfig)
    sound: SoundConfig = field(default_factory=SoundConfig)
    movement: MovementConfig = field(default_factory=MovementConfig)
    assess: AssessConfig = field(default_factory=AssessConfig)


DEFAULT = Config()


# ---------------------------------------------------------------------------------------------
# allowed values: checked when a TOML file is loaded (validate_config); shown in docs/config.md
# ---------------------------------------------------------------------------------------------

INF = float("inf")

# Allowed range per field, by the first rule that matches: the exact "section.key", then the end
# of the key's name.  (lo, hi, lo_open): lo < value when lo_open, lo <= value otherwise; value <= hi.
# The upper bounds stop values that would take the machine down: a motion sampling rate of 10^6 Hz
# asked for > 5 GB and never ended (issue 17).  Every default lies inside its range (a test checks).
RANGES_BY_KEY: dict[str, tuple[float, float, bool]] = {
    # Sampling rates of internal traces: above 100 Hz no breathing detail is gained and memory and
    # time grow with the rate (a frame rate above 100/s is rare; the trace is resampled to this).
    "motion.fs_hz": (1.0, 100.0, False),
    "motion.track_hz": (0.0, 1000.0, False),  # 0 = every frame
    "pose.fallback_sample_hz": (0.0, 100.0, True),
    "sound.sample_rate_hz": (1000, 48000, False),
    "sound.frame_hz": (1.0, 1000.0, False),
    "sound.feature_hz": (1.0, 100.0, False),
    "sound.band_edges_hz": (1.0, 24000.0, False),
    "sound.heart_band_hz": (1.0, 24000.0, False),
    "live.wave_max_fps": (1.0, 240.0, False),
    "video.max_width_px": (32, 8192, False),
    "video.max_fps": (1.0, 10000.0, False),
    "video.min_fps": (0.0, 1000.0, True),
    "video.probe_frames": (1, 1000, False),
    "sound.mic_muted_below_dbfs": (-300.0, 0.0, False),
    "overlay.thickness": (1, 50, False),
    "overlay.font_scale": (0.0, 20.0, True),
    "overlay.small_scale": (0.0, 20.0, True),
    "motion.correction_gain": (0.0, 10.0, False),
}
RANGES_BY_SUFFIX: tuple[tuple[str, tuple[float, float, bool]], ...] = (
    # intervals and windows: a zero would loop forever or divide by zero; a day at most
    ("interval_s", (0.0, 86400.0, True)),
    ("window_s", (0.0, 86400.0, True)),
    ("step_s", (0.0, 86400.0, True)),
    ("block_s", (0.0, 60.0, True)),
    ("timeout_s", (0.0, 86400.0, True)),
    ("max_analysis_s", (0.0, 31622400.0, True)),  # a year
    ("_s", (0.0, 86400.0, False)),  # other durations: never negative
    ("_hz", (0.0, 1000.0, True)),  # frequencies: positive
    ("_bpm", (0.0, 300.0, True)),  # breathing rates: positive, far above any breathing
    ("_bgr", (0, 255, False)),  # colours
    ("_deg", (-360.0, 360.0, False)),
    ("_dbfs", (-300.0, 0.0, False)),
    ("_db", (-300.0, 300.0, False)),
    ("_px", (0.0, 10000.0, True)),
    ("_percentile", (0.0, 100.0, False)),
    ("order", (1, 10, False)),  # filter orders
    # shares, fractions and confidences are between 0 and 1
    ("fraction", (0.0, 1.0, False)),
    ("_share", (0.0, 1.0, False)),
    ("overlap", (0.0, 1.0, False)),
    ("coverage", (0.0, 1.0, False)),
    ("confidence", (0.0, 1.0, False)),
    ("visibility", (0.0, 1.0, False)),
    ("alpha", (0.0, 1.0, False)),
    ("smoothing", (0.0, 1.0, False)),
    ("level", (0.0, 1.0, False)),
)
# anything else: counts, ratios, factors: not negative, finite, below a million
RANGE_OTHER = (0.0, 1e6, False)


def allowed_range(section: str, key: str) -> tuple[float, float, bool]:
    """The (lo, hi, lo_open) range of ``[section] key`` (see RANGES_BY_KEY and RANGES_BY_SUFFIX)."""
    if f"{section}.{key}" in RANGES_BY_KEY:
        return RANGES_BY_KEY[f"{section}.{key}"]
    for suffix, rng in RANGES_BY_SUFFIX:
        if key.endswith(suffix):
            return rng
    return RANGE_OTHER


def describe_range(section: str, key: str) -> str:
    lo, hi, lo_open = allowed_range(section, key)
    g = lambda v: f"{v:g}"
    if hi == INF:
        return f"> {g(lo)}" if lo_open else f">= {g(lo)}"
    return f"{g(lo)} < value <= {g(hi)}" if lo_open else f"{g(lo)} to {g(hi)}"


def _type_name(value) -> str:
    return {bool: "true/false", int: "a whole number", float: "a number", str: "text"}.get(type(value), type(value).__name__)


def _check_value(section: str, key: str, value, default):
    """``value`` converted to the default's type, or InputError naming the key, the value and the range."""
    import math

    where = f"config [{section}] {key}"
    if isinstance(default, tuple):
        if not isinstance(value, (list, tuple)) or len(value) != len(default):
            raise InputError(f"{where} must be a list of {len(default)} values like {list(default)}, not {value!r}")
        return tuple(_check_value(section, key, v, d) for v, d in zip(value, default))
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise InputError(f"{where} must be true or false, not {value!r}")
        return value
    if isinstance(default, str):
        if not isinstance(value, str):
            raise InputError(f"{where} must be text, not {value!r}")
        return value
    if isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"{where} must be {_type_name(default)}, not {value!r}")
        if isinstance(default, int) and not isinstance(value, int):
            if not (math.isfinite(value) and float(value).is_integer()):
                raise InputError(f"{where} must be a whole number, not {value!r}")
            value = int(value)
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(f"{where} = {value!r} is not a finite number (allowed: {describe_range(section, key)})")
        lo, hi, lo_open = allowed_range(section, key)
        if (value <= lo if lo_open else value < lo) or value > hi:
            raise InputError(f"{where} = {value!r} is out of range (allowed: {describe_range(section, key)})")
        return float(value) if isinstance(default, float) else value
    return value


def _check_pairs(section: str, values) -> None:
    """``min_X`` <= ``max_X`` and ``X_low_Y`` <= ``X_high_Y`` within a section."""
    names = {f.name for f in dataclasses.fields(values)}
    for name in names:
        for a, b in (("min_", "max_"), ("low", "high")):
            if a in name and name.replace(a, b, 1) in names:
                other = name.replace(a, b, 1)
                lo, hi = getattr(values, name), getattr(values, other)
                if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and lo > hi:
                    raise InputError(f"config [{section}] {name} = {lo!r} is above {other} = {hi!r}")


def validate_config(config: Config) -> Config:
    """Check every value of ``config`` (types, finite numbers, allowed ranges, min <= max);
    raises InputError naming the first bad key, its value and what is allowed."""
    for sec in dataclasses.fields(Config):
        values, default = getattr(config, sec.name), getattr(DEFAULT, sec.name)
        for f in dataclasses.fields(values):
            _check_value(sec.name, f.name, getattr(values, f.name), getattr(default, f.name))
        _check_pairs(sec.name, values)
    return config


def load_config(path: str | Path | None = None) -> Config:
    """Return the defaults, overridden by the sections and keys of a TOML file when given.

    Every value is checked (:func:`validate_config`): the type of its default, a finite number
    inside its allowed range (docs/config.md), min_X <= max_X; a bad one is refused with a message
    naming the key, the value and the range."""
    if path is None:
        return DEFAULT
    import tomllib

    from breathcam.fileio import check_input

    check_input(path, what="config file")
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(f"config file not found: {path}") from None
    except OSError as exc:
        raise InputError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"config file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"config file {path} is not valid TOML: {exc}") from None
    sections = {}
    for f in dataclasses.fields(Config):
        current = getattr(DEFAULT, f.name)
        overrides = data.pop(f.name, {})
        if not isinstance(overrides, dict):
            raise InputError(f"config [{f.name}] must be a section of keys, not {overrides!r}")
        known = {g.name for g in dataclasses.fields(current)}
        unknown = set(overrides) - known
        if unknown:
            raise InputError(f"config [{f.name}] has unknown keys: {', '.join(sorted(unknown))}")
        checked = {k: _check_value(f.name, k, v, getattr(current, k)) for k, v in overrides.items()}
        sections[f.name] = dataclasses.replace(current, **checked)
    if data:
        raise InputError(f"config has unknown sections: {', '.join(sorted(data))}")
    return validate_config(Config(**sections))
