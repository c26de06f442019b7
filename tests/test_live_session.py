"""LiveSession without a window: driven by a rendered clip's frames and its breath-sound track
(MicBlocks on the session's clock), the pause clock, the keys, the camera-lost screen, and a
microphone fault said once."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("cv2")

from breathcam.capture.audio import MicBlock  # noqa: E402
from breathcam.config import DEFAULT  # noqa: E402
from breathcam.live.session import LiveSession, PauseClock  # noqa: E402
from breathcam.live.sinks import camera_lost_image, key_action, render  # noqa: E402

BLOCK_S = 0.1  # the microphone's block length


def test_pause_clock_leaves_pauses_out():
    c = PauseClock(2.0)
    assert c.elapsed(5.0) == pytest.approx(3.0)
    c.toggle(5.0)
    assert c.paused and c.elapsed(9.0) == pytest.approx(3.0)  # stands still while paused
    c.pause(9.5)  # pausing twice changes nothing
    c.toggle(10.0)
    assert not c.paused and c.paused_total_s == pytest.approx(5.0)
    assert c.elapsed(12.0) == pytest.approx(5.0)
    c.resume(13.0)  # resuming while running changes nothing
    c.pause(14.0)
    c.resume(15.5)
    assert c.elapsed(20.0) == pytest.approx(20.0 - 2.0 - 5.0 - 1.5)


def test_keys():
    assert [key_action(k) for k in (ord("q"), 27, ord("p"), ord(" "), ord("r"))] == ["quit", "quit", "pause", "pause", "recalibrate"]
    # waitKey's high bits (modifiers on some backends) are ignored; no key and other keys do nothing
    assert key_action(0x100000 | ord("q")) == "quit"
    assert [key_action(k) for k in (-1, ord("x"), ord("y"), 13)] == [None] * 4


def test_camera_lost_screen_keeps_the_last_frame_and_says_so():
    from breathcam.overlay.draw import layout

    last = np.full((240, 320, 3), 120, np.uint8)
    img = camera_lost_image(last, "nl")
    assert img.shape == last.shape and (last == 120).all()  # the frame passed in is not drawn on
    m = layout(320, 240).message
    x0, y0, x1, y1 = m.as_int()
    box = img[y0 + 2 : y1 - 1, x0 + 2 : x1 - 1].astype(int)
    warn = np.array(DEFAULT.overlay.hold_bgr)
    assert (np.abs(box - warn).max(axis=-1) <= 10).mean() > 0.3  # the warning box ...
    assert (box.min(axis=-1) > 200).sum() > 30  # ... with white text in it
    outside = img[: y0 - 2]
    assert (outside == 120).all()  # the rest of the frame stays visible
    assert camera_lost_image(None).shape == (480, 640, 3)


# ---------------------------------------------------------------------------------------------
# a session driven by a rendered clip with a breath-sound track
# ---------------------------------------------------------------------------------------------


def _frames(clip):
    from breathcam.capture.video import FileSource

    with FileSource(clip) as src:
        for f in src:
            yield f


def _sound_blocks(clip):
    """The clip's sound track in microphone-sized blocks on the clip's clock."""
    from breathcam.capture.audio import load_track

    audio = load_track(clip)
    fs = audio.info.sample_rate_hz
    n = int(round(BLOCK_S * fs))
    return [MicBlock(t_s=i / fs, samples=audio.samples[i : i + n], fs_hz=fs) for i in range(0, audio.samples.size, n)]


def _drive(session, clip, *, blank=None, mic_events=(), stop_sound_at=None, stall=None):
    """Step the session through the clip; sound blocks go in with the frame they arrived by.
    ``blank``: (t0, t1) during which the frame shows nobody; ``mic_events``: (t, status, message);
    ``stall``: (t0, t1) whose sound never arrives (the blocks after it keep their true times)."""
    blocks = _sound_blocks(clip)
    events = list(mic_events)
    views = []
    i = 0
    for f in _frames(clip):
        due = []
        while i < len(blocks) and blocks[i].t_s + BLOCK_S <= f.t_s:
            stalled = stall is not None and stall[0] <= blocks[i].t_s < stall[1]
            if (stop_sound_at is None or blocks[i].t_s < stop_sound_at) and not stalled:
                due.append(blocks[i])
            i += 1
        while events and events[0][0] <= f.t_s:
            t, status, msg = events.pop(0)
            session.mic_status(status, msg, t_s=t)
        if blank is not None and blank[0] <= f.t_s < blank[1]:
            f = type(f)(f.index, f.t_s, np.full_like(f.image, 90))
        views.append(session.step(f, due))
    return views


@pytest.fixture(scope="module")
def batch(voiced_clip):
    from breathcam.pipeline import analyze_clip

    return analyze_clip(voiced_clip)


def test_session_with_sound_agrees_with_batch(voiced_clip, batch, tmp_path):
    s = LiveSession(sound=True, source=str(voiced_clip))
    views = _drive(s, voiced_clip)
    a = s.finish()
    assert batch.rate_bpm is not None and a.rate_bpm is not None
    assert abs(a.rate_bpm - batch.rate_bpm) <= 0.3
    assert a.sources == batch.sources == ("video", "sound")
    assert a.sound is not None and a.sound.rate_bpm == pytest.approx(batch.sound.rate_bpm, abs=0.3)
    # the meter: a level once the filters settled, breaths heard part of the time
    levels = [v.sound for v in views if v.sound is not None]
    assert len(levels) > 0.9 * len(views)
    heard = np.mean([lv.audible for lv in levels])
    assert 0.2 < heard < 0.95
    # the shown rate is fused with the sound once both have one, and stays near the truth (15/min)
    late = [v for v in views if v.state.t_s >= 20.0]
    assert all(v.sources == ("video", "sound") for v in late)
    assert all(abs(v.state.rate_bpm - 15.0) <= 1.0 for v in late)
    # the session JSON and the history keep the fused result and the sound's trace
    import json

    from breathcam.report.export import analysis_to_dict
    from breathcam.report.store import LiveSessionWriter, SessionStore

    data = analysis_to_dict(a)
    assert data["sources"] == ["video", "sound"] and data["rate_bpm"] == pytest.approx(a.rate_bpm, abs=0.01)
    tr = data["sound"]["trace"]
    assert tr["fs_hz"] == pytest.approx(10.0) and len(tr["values"]) == pytest.approx(10 * 30, abs=15)
    db = tmp_path / "h.sqlite"
    writer = LiveSessionWriter(db, source="camera 0")
    writer(views[-1].state)
    writer(views[-1].state, a)
    writer.close()
    with SessionStore(db) as store:
        row = store.get(writer.session_id)
    saved = json.loads(row["analysis_json"])
    assert saved["sources"] == ["video", "sound"] and saved["sound"]["trace"] == tr
    assert row["status"] == "complete" and row["rate_bpm"] == pytest.approx(a.rate_bpm, abs=0.01)
    # the overlay draws the meter (its slot in a top corner) without a window
    img = render(_one_frame(voiced_clip), views[-1], config=DEFAULT)
    assert img.shape == (240, 320, 3)


def _one_frame(clip):
    return next(iter(_frames(clip))).image


def test_sound_carries_the_rate_while_nobody_is_in_view(voiced_clip):
    s = LiveSession(sound=True, source=str(voiced_clip))
    views = _drive(s, voiced_clip, blank=(0.0, 99.0))  # nobody in view the whole time
    shown = [v for v in views if v.state.t_s >= 15.0]
    assert all(v.state.rate_bpm is not None for v in shown)
    assert all(v.sources == ("sound",) for v in shown)
    assert np.median([v.state.rate_bpm for v in shown]) == pytest.approx(15.0, abs=1.0)
    a = s.finish()
    assert a.sources == ("sound",) and a.rate_bpm == pytest.approx(15.0, abs=1.0)
    assert any("breath sounds" in n for n in a.quality.notes)


def test_microphone_lost_mid_session_is_said_once_and_keeps_what_came(voiced_clip):
    msg = "microphone pulse lost: the sound device stopped recording; the session goes on with video alone"
    s = LiveSession(sound=True, source=str(voiced_clip), lang="nl")
    views = _drive(s, voiced_clip, stop_sound_at=16.0, mic_events=[(16.0, "lost", msg), (20.0, "lost", msg)])
    noticed = [v.state.t_s for v in views if v.notice]
    # said once on screen, in Dutch, for [live] mic_notice_s
    assert noticed and noticed[0] == pytest.approx(16.0, abs=0.1)
    assert noticed[-1] - noticed[0] == pytest.approx(DEFAULT.live.mic_notice_s, abs=0.1)
    assert "Microfoon weg" in next(v.notice for v in views if v.notice)
    # from then on: no meter, the struck-through mic, the rate from the video alone
    after = [v for v in views if v.state.t_s > 16.5]
    assert all(v.sound is None and v.mic_status == "lost" and v.sources == ("video",) for v in after)
    assert all(v.state.rate_bpm is not None for v in after)
    a = s.finish()
    assert a.quality.notes.count(msg) == 1
    # the 16 s heard before the loss are kept and fused
    assert s.sound_seconds == pytest.approx(16.0, abs=0.15)
    assert a.sound is not None and "sound" in a.sources


def test_a_stalled_microphone_leaves_later_sound_on_the_session_clock(voiced_clip):
    """4 s of sound never arrive; what comes after keeps its place (the gap is silence), so the
    sound trace spans the session and the rate is still read."""
    s = LiveSession(sound=True, source=str(voiced_clip))
    _drive(s, voiced_clip, stall=(10.0, 14.0))
    a = s.finish()
    assert s.sound_gap_s == pytest.approx(4.0, abs=BLOCK_S + 0.01)
    assert a.sound.t_s[-1] == pytest.approx(30.0, abs=0.3)  # ends where the clip ends, not 4 s early
    assert a.sound.rate_bpm == pytest.approx(15.0, abs=1.0)


def test_pause_stops_the_analysis_and_the_pacer(voiced_clip):
    from breathcam.coach.exercises import get_exercise

    s = LiveSession(exercise=get_exercise("box"), source=str(voiced_clip))
    frames = list(_frames(voiced_clip))[:200]  # 10 s at 20 fps
    for f in frames[:60]:
        v = s.step(f)
    t_pacer = s.clock.elapsed(s.t_last)
    s.toggle_pause()
    paused = [s.step(f) for f in frames[60:120]]
    assert s.frames == 60 and all(v.state.paused for v in paused)
    assert s.clock.elapsed(s.t_last) == pytest.approx(t_pacer, abs=1e-9)  # the pacer waited
    assert all(v.pacer.phase == paused[0].pacer.phase for v in paused)
    s.toggle_pause()
    for f in frames[120:]:
        v = s.step(f)
    assert s.frames == 140 and not v.state.paused
    assert s.clock.elapsed(s.t_last) == pytest.approx(t_pacer + (frames[-1].t_s - frames[119].t_s), abs=0.06)
    s.close()
