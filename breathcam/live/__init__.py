"""Live sessions: camera (or a clip replayed at its own pace) and microphone in, overlay out.

The parts, I/O at the edges:

- :class:`~breathcam.live.session.LiveSession` (session.py) is the session with no window in it:
  ``step(frame, sound_blocks)`` runs the online video analyzer (signals.online), the live sound
  analysis (signals.sound.SoundAnalyzer), the fusion of the two (signals.fuse.fuse, as batch), the
  pacer on its :class:`~breathcam.live.session.PauseClock` and the coach, and returns a ``View``:
  what to draw.  ``finish()`` gives the session's Analysis: the batch core over everything seen,
  fused with everything heard, with the notes.
- sinks.py: a window (keys, the camera-lost screen, the safety screen), a video file, or nothing;
  ``render`` draws a view (overlay.draw, and the sound meter of overlay.sound_meter).
- run.py: :func:`run_live` wires source -> session -> sinks, with the microphone
  (capture.audio.LiveMicrophone) beside the camera; :func:`render_overlay_video` puts the overlay
  onto a recorded clip as fast as it decodes (``breathcam analyze CLIP --video``).

Keys in the window: ``q`` / Esc quit, ``p`` / space pause (frames are shown, not analysed; the
pacer waits), ``r`` recalibrate (pose starts afresh and re-finds the torso).  A camera that stops
delivering (or a clip that ends) ends the session: the window shows a message for
``[live] lost_camera_message_s``, and everything measured is analysed and returned.

The microphone (``breathcam live`` / ``exercise`` open the default input; ``--mic DEVICE`` another,
``--no-mic`` none): its callback only timestamps and enqueues; each frame the loop takes the blocks
that arrived and the session analyses them.  The overlay's sound meter (a top corner) shows the
breath-band loudness over the room's noise, green while a breath is heard.  The shown rate is the
video's fused with the sound's: agreement raises the confidence, and sound carries the rate while
the video has none (nobody in view, too still).  A microphone that is missing (no PortAudio, no
device), lost mid-session or muted never stops the session: it goes on with video alone, says so
once on screen (``[live] mic_notice_s``) and in the notes, and keeps all the sound it had.

Everything a session produces is handed on in one place, ``_hand_on``: about once a second with
the current :class:`~breathcam.types.LiveState`, and once at the end with the session's
:class:`~breathcam.types.Analysis` too (``on_update(state, analysis)``); the session store
subscribes there.

Intense exercises (``Exercise.intense``) start only after the safety screen is acknowledged: in
the window by a key (y / j), on a terminal by typing the word it asks for.  Nothing bypasses it:
a run with neither a window nor an interactive terminal refuses with a clear message.

Where it fails: compliance over a paused session is approximate (the pacer waits, the measured
breaths do not); a replay faster than real time (tests only) and a microphone do not share a clock;
a window needs a display (DISPLAY on Linux), else use --no-window; figures in benchmarks/live.py.
"""

from breathcam.live.run import WINDOW_NAME, LiveResult, OnUpdate, open_mic, render_overlay_video, run_live
from breathcam.live.session import LiveSession, PauseClock, View

__all__ = ["LiveResult", "OnUpdate", "run_live", "render_overlay_video", "WINDOW_NAME", "open_mic", "LiveSession",
           "PauseClock", "View"]
