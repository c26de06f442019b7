"""Bad input on the command line: one line on stderr, exit status 2, no traceback, or a null reading."""

import json
import wave

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _history_in_tmp(tmp_path, monkeypatch):
    """`analyze` saves each run in the session history: keep it out of the real home folder."""
    monkeypatch.setenv("BREATHCAM_HOME", str(tmp_path / "home"))


def _assert_clean_error(proc, *fragments):
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("breathcam: error: ")
    for f in fragments:
        assert f in lines[0].lower(), lines[0]


def test_missing_file(tmp_path, run_cli):
    _assert_clean_error(run_cli("analyze", str(tmp_path / "nope.mp4")), "nope.mp4")


def test_empty_file(tmp_path, run_cli):
    p = tmp_path / "empty.mp4"
    p.write_bytes(b"")
    _assert_clean_error(run_cli("analyze", str(p)), "empty")


def test_corrupt_file(tmp_path, run_cli):
    p = tmp_path / "corrupt.mp4"
    p.write_bytes(np.random.default_rng(0).integers(0, 256, 200_000, dtype=np.uint8).tobytes())
    _assert_clean_error(run_cli("analyze", str(p)), "corrupt.mp4")


def test_image_given_as_video(tmp_path, run_cli):
    import cv2

    p = tmp_path / "photo.png"
    cv2.imwrite(str(p), np.full((120, 160, 3), 128, np.uint8))
    _assert_clean_error(run_cli("analyze", str(p)), "image")


def test_audio_only_file(tmp_path, run_cli):
    p = tmp_path / "breath.wav"
    with wave.open(str(p), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((np.random.default_rng(1).standard_normal(16000) * 1000).astype("<i2").tobytes())
    _assert_clean_error(run_cli("analyze", str(p)), "video")


def test_directory_without_clips(tmp_path, run_cli):
    """A folder goes to batch analysis (tests/test_batch.py); one with no clip in it is an error."""
    (tmp_path / "notes.txt").write_text("not a clip")
    _assert_clean_error(run_cli("analyze", str(tmp_path)), "no video clips", "folder")


def test_json_into_missing_folder(tmp_path, run_cli):
    _assert_clean_error(run_cli("analyze", str(tmp_path / "x.mp4"), "--json", str(tmp_path / "no" / "o.json")))


def test_no_person_gives_null_rate_and_a_note(tmp_path, run_cli):
    """A clip of changing noise: no person, no breathing -> rate null with a note, exit 0."""
    import cv2

    p = tmp_path / "noise.avi"
    rng = np.random.default_rng(2)
    w = cv2.VideoWriter(str(p), cv2.VideoWriter_fourcc(*"MJPG"), 15.0, (320, 240))
    for _ in range(15 * 20):
        w.write(rng.integers(0, 256, (240, 320, 3), dtype=np.uint8))
    w.release()
    out = tmp_path / "out.json"
    proc = run_cli("analyze", str(p), "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads(out.read_text())
    assert data["rate_bpm"] is None
    assert data["quality"]["pose_found"] == 0
    assert data["quality"]["notes"], "a null reading must say why"
