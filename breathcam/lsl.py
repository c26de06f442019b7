"""A Lab Streaming Layer outlet for live sessions (``breathcam live --lsl``; extra ``breathcam[lsl]``).

Two streams, found by name on the local network (LSL's own discovery):

- ``breathcam`` (type ``Respiration``): 3 float32 channels ``breathing``, ``chest``, ``belly``
  (pixels of motion, band-limited as the live waveform shows them; inhaling makes ``breathing``
  rise) at a regular 10 Hz;
- ``breathcam-events`` (type ``Markers``, irregular): one string per event, ``inhale`` and
  ``exhale`` at each committed breath's onsets, ``hold-start after inhale|exhale`` and
  ``hold-end`` for committed holds, and ``rate 12.3`` (or ``rate none``) once per update.

Time stamps are LSL's clock (``pylsl.local_clock``) at the session's time of the sample or event:
the session's second 0 is mapped to the LSL clock when the first update arrives.  Breaths and
holds reach the outlet when the online analysis commits them (a few seconds after they end), with
their own time stamps, so a recording (LabRecorder) places them where they happened.
"""

from __future__ import annotations

import numpy as np

from breathcam.types import BreathcamError

__all__ = ["LslOutlet", "TRACE_STREAM", "EVENT_STREAM", "LSL_HZ"]

TRACE_STREAM = "breathcam"
EVENT_STREAM = "breathcam-events"
LSL_HZ = 10.0  # the trace's regular rate (the analysis's own, [motion] fs_hz by default)
LINGER_S = 1.0  # at the end, how long the outlets stay up for connected inlets to take the last data


def _pylsl():
    try:
        import pylsl
    except ImportError:
        raise BreathcamError("--lsl needs pylsl: pip install \"breathcam[lsl]\"") from None
    except (OSError, RuntimeError) as exc:  # the liblsl library could not be loaded
        raise BreathcamError(f"--lsl: the LSL library could not be loaded ({exc}); pip install \"breathcam[lsl]\"") from None
    return pylsl


class LslOutlet:
    """The live loop's ``on_update`` (breathcam.live.run_live) that streams to LSL."""

    def __init__(self, *, source_id: str = "breathcam", name: str = TRACE_STREAM):
        pylsl = _pylsl()
        self._lsl = pylsl
        info = pylsl.StreamInfo(name, "Respiration", 3, LSL_HZ, "float32", f"{source_id}-trace")
        chans = info.desc().append_child("channels")
        for label, what in (("breathing", "combined breathing trace"), ("chest", "upper chest"),
                            ("belly", "abdominal wall")):
            ch = chans.append_child("channel")
            ch.append_child_value("label", label)
            ch.append_child_value("unit", "px")
            ch.append_child_value("type", "Respiration")
            ch.append_child_value("description", what)
        info.desc().append_child_value("manufacturer", "breathcam")
        events = pylsl.StreamInfo(name + "-events", "Markers", 1, pylsl.IRREGULAR_RATE, "string", f"{source_id}-events")
        self.trace = pylsl.StreamOutlet(info)
        self.events = pylsl.StreamOutlet(events)
        self._offset: float | None = None  # LSL clock at session second 0
        self._next_t: float | None = None  # next trace sample time (session seconds)
        self._breaths_after = -1.0
        self._holds_after = -1.0
        self.samples = 0

    def _stamp(self, t: float) -> float:
        return float(self._offset + t)

    def __call__(self, state, analysis=None) -> None:
        if self._offset is None:
            self._offset = self._lsl.local_clock() - float(state.t_s)
        t, chest, belly = (np.asarray(state.wave_t_s, float), np.asarray(state.wave_chest, float),
                           np.asarray(state.wave_belly, float))
        if len(t) >= 2:
            if self._next_t is None:
                self._next_t = float(np.ceil(t[0] * LSL_HZ) / LSL_HZ)
            n = int(np.floor((t[-1] - self._next_t) * LSL_HZ + 1e-9)) + 1
            if n > 0:
                grid = self._next_t + np.arange(n) / LSL_HZ
                grid = grid[grid >= t[0]]  # a gap longer than the kept waveform: skip what is gone
                if len(grid):
                    c, b = np.interp(grid, t, chest), np.interp(grid, t, belly)
                    chunk = np.column_stack([c + b, c, b]).astype(np.float32)
                    self.trace.push_chunk(chunk.tolist(), [self._stamp(x) for x in grid])
                    self.samples += len(grid)
                self._next_t += n / LSL_HZ
        for br in state.breaths:
            if br.inhale_start > self._breaths_after:
                self.events.push_sample(["inhale"], self._stamp(br.inhale_start))
                self.events.push_sample(["exhale"], self._stamp(br.exhale_start))
                self._breaths_after = br.inhale_start
        for h in state.holds:
            if h.start > self._holds_after:
                self.events.push_sample([f"hold-start after {h.after}"], self._stamp(h.start))
                self.events.push_sample(["hold-end"], self._stamp(h.end))
                self._holds_after = h.start
        rate = "none" if state.rate_bpm is None else f"{state.rate_bpm:.1f}"
        self.events.push_sample([f"rate {rate}"], self._stamp(float(state.t_s)))

    def close(self) -> None:
        """Keep the outlets up a moment (when an inlet is connected) so it gets the last data."""
        import time

        if self.trace is not None and (self.trace.have_consumers() or self.events.have_consumers()):
            time.sleep(LINGER_S)
        self.trace = self.events = None
