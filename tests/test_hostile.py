"""Hostile input and hostile surroundings (issue 17): every case asserts the exit status, one clear
line, no traceback, and what was kept.  Real files, FIFOs, symbolic links, devices, a full file
system (a tiny tmpfs, when run as root) and real signals to real subprocesses; no mocks."""

import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from breathcam.fileio import check_input, write_output
from breathcam.types import BreathcamError, InputError

ROOT = Path(__file__).resolve().parents[1]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(scope="module")
def wav(tmp_path_factory) -> Path:
    """15 s of quiet noise: a sound file that analyses in about a second (no breathing in it)."""
    import soundfile

    p = tmp_path_factory.mktemp("wav") / "a.wav"
    soundfile.write(str(p), np.random.default_rng(0).standard_normal(16000 * 15) * 0.05, 16000)
    return p


def _errors(proc) -> list[str]:
    return [ln for ln in proc.stderr.splitlines() if ln.startswith("breathcam: error: ")]


def _no_traceback(proc) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr


@pytest.fixture
def full_device(tmp_path) -> Path:
    """A device that refuses every write with ENOSPC: a private node of /dev/full when root (so
    that a faulty writer can only ever replace this copy), else /dev/full itself (which a normal
    user cannot replace)."""
    if IS_ROOT:
        p = tmp_path / "full"
        os.mknod(p, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
        return p
    return Path("/dev/full")


@pytest.fixture
def tiny_fs(tmp_path):
    """A 4 KiB tmpfs (root only): writing more than one page fails with ENOSPC, as a full disk does."""
    if not IS_ROOT:
        pytest.skip("mounting a tmpfs needs root")
    d = tmp_path / "tiny"
    d.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(d)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield d
    finally:
        subprocess.run(["umount", str(d)], capture_output=True)


# ---------------------------------------------------------------------------------------------
# 1. outputs never replace a device, FIFO or symbolic link
# ---------------------------------------------------------------------------------------------


def test_json_to_stdout_prints_it(wav, run_cli):
    for target in ("/dev/stdout", "-"):
        proc = run_cli("analyze", str(wav), "--json", target, "-q", "--no-save")
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["duration_s"] == pytest.approx(15.0)
    assert os.path.islink("/dev/stdout") or not os.path.exists("/dev/stdout")


def test_json_to_full_device_is_a_clear_error_and_keeps_everything_else(wav, full_device, tmp_path, run_cli):
    before = os.stat(full_device)
    proc = run_cli("analyze", str(wav), "--json", str(full_device), "--report", str(tmp_path / "rep"),
                   "--client", "C9")
    _no_traceback(proc)
    assert proc.returncode == 2
    assert _errors(proc) == [f"breathcam: error: cannot write {full_device}: No space left on device"]
    after = os.stat(full_device)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino
    # the analysis was not lost: summary printed, report written, session saved
    assert "a.wav: 15.0 s" in proc.stdout and "saved as session" in proc.stdout
    assert (tmp_path / "rep" / "C9-a.report.html").stat().st_size > 1000
    assert not list(full_device.parent.glob("*.tmp")) and not list(full_device.parent.glob(".full.*"))


def test_write_through_fifo_and_symlink(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    time.sleep(0.1)
    write_output(fifo, '{"x": 1}\n')
    reader.join(5)
    assert got == [b'{"x": 1}\n'] and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    # a FIFO nobody reads is refused at once, never waited on
    t0 = time.monotonic()
    with pytest.raises(BreathcamError, match="nothing reads"):
        write_output(fifo, "x")
    assert time.monotonic() - t0 < 1.0
    # a symbolic link: the target is written, the link stays a link, the target keeps its mode
    target = tmp_path / "real.json"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(target.name)
    write_output(link, "new")
    assert link.is_symlink() and target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o640
    # a new file is private; no temporary file is left beside it
    write_output(tmp_path / "new.json", "{}")
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o600 & ~_umask()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


# ---------------------------------------------------------------------------------------------
# 3. a failed output loses nothing else, and leaves no temporary file
# ---------------------------------------------------------------------------------------------


def test_full_disk_leaves_no_tmp_and_old_file_intact(tiny_fs):
    old = tiny_fs / "report.html"
    old.write_text("the previous report")
    with pytest.raises(BreathcamError, match=r"cannot write .*report.html: No space left on device"):
        write_output(old, "x" * 20_000)
    assert sorted(p.name for p in tiny_fs.iterdir()) == ["report.html"]
    assert old.read_text() == "the previous report"


def test_full_disk_report_fails_other_outputs_and_session_kept(wav, tiny_fs, tmp_path, run_cli):
    proc = run_cli("analyze", str(wav), "--report", str(tiny_fs), "--csv", str(tmp_path / "csv"),
                   "--json", str(tmp_path / "a.json"))
    _no_traceback(proc)
    assert proc.returncode == 2
    errs = _errors(proc)
    assert len(errs) == 1 and "a.report.html" in errs[0] and "No space left on device" in errs[0]
    assert "saved as session" in proc.stdout and "rate: " in proc.stdout
    assert json.loads((tmp_path / "a.json").read_text())["duration_s"] == pytest.approx(15.0)
    assert (tmp_path / "csv" / "a.breaths.csv").exists() and (tmp_path / "csv" / "a.seconds.csv").exists()
    assert list(tiny_fs.iterdir()) == []


def test_write_error_without_root_file_size_limit(tmp_path):
    """The same without root: a file-size limit (RLIMIT_FSIZE) makes the write fail part-way."""
    code = (
        "import resource, signal, sys\n"
        "from breathcam.fileio import write_output\n"
        "from breathcam.types import BreathcamError\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))\n"
        "try:\n"
        f"    write_output({str(tmp_path / 'out.json')!r}, 'x' * 5000)\n"
        "except BreathcamError as e:\n"
        "    print(e)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.stdout.startswith(f"cannot write {tmp_path / 'out.json'}: File too large"), proc.stdout + proc.stderr
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# 2. SIGTERM and SIGHUP handled like Ctrl-C
# ---------------------------------------------------------------------------------------------

SAMPLE = ROOT / "samples" / "sample.mp4"


def _start(*args: str, tmp_path: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "breathcam", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)


def _wait_until_reading(proc: subprocess.Popen, path: Path, *, past: int = 0, timeout: float = 120.0) -> None:
    """Until the process has ``path`` open and has read past byte ``past`` of it (it is decoding
    it), seen in /proc/PID/fd and /proc/PID/fdinfo."""
    fd_dir = Path(f"/proc/{proc.pid}/fd")
    if not fd_dir.is_dir():
        pytest.skip("needs /proc")
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        assert proc.poll() is None, proc.communicate()
        try:
            for fd in os.listdir(fd_dir):
                if os.readlink(fd_dir / fd) == str(path):
                    pos = int((Path(f"/proc/{proc.pid}/fdinfo") / fd).read_text().split()[1])
                    if pos > past:
                        return
        except (OSError, IndexError, ValueError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"{path} never read past byte {past}")


@pytest.mark.skipif(not SAMPLE.exists(), reason="samples/sample.mp4 absent")
def test_sigterm_during_analyze_writes_what_was_read(tmp_path):
    out = tmp_path / "a.json"
    proc = _start("analyze", str(SAMPLE), "--json", str(out), "--client", "T1", tmp_path=tmp_path)
    _wait_until_reading(proc, SAMPLE, past=SAMPLE.stat().st_size // 3)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    assert "Traceback" not in stderr
    data = json.loads(out.read_text())
    note = next(n for n in data["quality"]["notes"] if "interrupted" in n)
    covered = float(note.split("first ")[1].split(" s")[0])
    assert 5.0 <= covered < 40.0 and data["duration_s"] == pytest.approx(covered, abs=1.5)
    assert "saved as session" in stdout


@pytest.mark.skipif(not SAMPLE.exists(), reason="samples/sample.mp4 absent")
def test_sighup_during_live_session_writes_json_and_history(tmp_path, run_cli):
    import sqlite3

    out, db = tmp_path / "live.json", tmp_path / "h.sqlite"
    proc = _start("live", "--source", str(SAMPLE), "--no-window", "--json", str(out), "--client", "L1",
                  "--db", str(db), tmp_path=tmp_path)
    # the live loop runs once the session's rows reach the history (the clip's sound track is
    # read before the loop starts, so the file position says nothing here)
    end = time.monotonic() + 120
    while time.monotonic() < end:
        assert proc.poll() is None, proc.communicate()
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
                if c.execute("SELECT count(*) FROM rate_points").fetchone()[0] >= 3:
                    break
        except sqlite3.Error:
            pass
        time.sleep(0.2)
    proc.send_signal(signal.SIGHUP)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGHUP, stderr
    assert "Traceback" not in stderr
    data = json.loads(out.read_text())
    assert 2.0 <= data["duration_s"] < 30.0
    listed = run_cli("sessions", "list", "--client", "L1", "--db", str(db))
    assert listed.returncode == 0 and "sample.mp4" in listed.stdout and "complete" in listed.stdout


def _descendants(pid: int) -> list[int]:
    """The processes started by ``pid`` (and by them), from /proc."""
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not SAMPLE.exists(), reason="samples/sample.mp4 absent")
def test_ctrl_c_in_a_folder_of_clips_keeps_no_half_clip(tmp_path):
    """Ctrl-C while a folder's clip is being read in its worker: the workers end at once, the
    half-read clip is not kept as if it were whole (no result file: the next run analyses it),
    and the summary says where it stopped."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.mp4", "b.mp4"):
        os.symlink(SAMPLE, folder / name)
    proc = _start("analyze", str(folder), "--no-save", "--jobs", "1", tmp_path=tmp_path)
    end, reading, workers = time.monotonic() + 120, False, []
    while not reading:  # until a worker process has read a third of the first clip
        assert time.monotonic() < end and proc.poll() is None, proc.communicate()
        workers = _descendants(proc.pid)
        for pid in workers:
            try:
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == str(SAMPLE):
                        pos = int(Path(f"/proc/{pid}/fdinfo/{fd}").read_text().split()[1])
                        reading = reading or pos > SAMPLE.stat().st_size // 3
            except (OSError, IndexError, ValueError):
                pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "interrupted at a.mp4; the summary covers the 0 files done" in stderr and "Traceback" not in stderr
    assert not list((folder / "breathcam-results").glob("*.result.json"))
    time.sleep(1.0)
    assert not [p for p in workers if _alive(p)]  # no worker left running


def test_stop_signal_is_held_off_while_outputs_are_written():
    """A real SIGTERM to this process: inside shielded() it is only recorded; outside it raises
    KeyboardInterrupt once; the handlers are restored after."""
    from breathcam.stopsignals import shielded, stop_requested, stop_signals_as_interrupt

    before = signal.getsignal(signal.SIGTERM)
    with stop_signals_as_interrupt() as received:
        with shielded():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            done = True  # not interrupted
        assert done and received == [signal.SIGTERM] and stop_requested()
        os.kill(os.getpid(), signal.SIGTERM)  # later ones interrupt nothing either
        time.sleep(0.05)
    assert received == [signal.SIGTERM, signal.SIGTERM]
    with pytest.raises(KeyboardInterrupt):
        with stop_signals_as_interrupt():
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(1.0)
    assert signal.getsignal(signal.SIGTERM) == before


@pytest.mark.skipif(not SAMPLE.exists(), reason="samples/sample.mp4 absent")
def test_live_json_that_cannot_be_written_keeps_summary_and_session(full_device, run_cli):
    proc = run_cli("live", "--source", str(SAMPLE), "--no-window", "--replay-speed", "2", "--duration", "6",
                   "--json", str(full_device), "--client", "LV")
    _no_traceback(proc)
    assert proc.returncode == 2
    assert _errors(proc) == [f"breathcam: error: cannot write {full_device}: No space left on device"]
    assert "sample.mp4: " in proc.stdout and "saved as session" in proc.stdout
    assert stat.S_ISCHR(os.stat(full_device).st_mode)


def test_sigterm_in_folder_keeps_the_files_done(wav, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for k in range(6):
        os.link(wav, folder / f"clip{k}.wav")
    proc = _start("analyze", str(folder), "--csv", str(tmp_path / "csv"), tmp_path=tmp_path)
    first = proc.stderr.readline()
    assert re.match(r"\[1/6\] clip\d\.wav: ok", first), first  # (two at a time: either may finish first)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    assert "interrupted at" in stderr and "Traceback" not in stderr
    import csv

    rows = list(csv.DictReader((tmp_path / "csv" / "breathcam-summary.csv").open()))
    assert 1 <= len(rows) < 6 and all(r["status"] == "ok" for r in rows)
    assert f"of {len(rows)} files analysed" in stdout


# ---------------------------------------------------------------------------------------------
# 5. config values checked when loaded
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, fragment", [
    ("[motion]\nfs_hz = 1e6\n", "config [motion] fs_hz = 1000000.0 is out of range (allowed: 1 to 100)"),
    ("[holds]\nmin_hold_s = -3.0\n", "config [holds] min_hold_s = -3.0 is out of range (allowed: 0 to 86400)"),
    ("[holds]\nmin_hold_s = nan\n", "config [holds] min_hold_s = nan is not a finite number"),
    ("[rate]\nwindow_s = inf\n", "config [rate] window_s = inf is not a finite number"),
    ("[rate]\nwindow_s = 0\n", "config [rate] window_s = 0 is out of range (allowed: 0 < value <= 86400)"),
    ("[holds]\nmin_hold_s = \"4\"\n", "config [holds] min_hold_s must be a number, not '4'"),
    ("[filters]\norder = 2.5\n", "config [filters] order must be a whole number, not 2.5"),
    ("[filters]\norder = true\n", "config [filters] order must be a whole number, not True"),
    ("[pattern]\nchest_max_share = 1.5\n", "config [pattern] chest_max_share = 1.5 is out of range (allowed: 0 to 1)"),
    ("[breaths]\nmin_breath_s = 50.0\n", "config [breaths] min_breath_s = 50.0 is above max_breath_s = 45.0"),
    ("[filters]\nlow_hz = 2.0\n", "config [filters] low_hz = 2.0 is above high_hz = 1.0"),
    ("[overlay]\nchest_bgr = [0, 300, 0]\n", "config [overlay] chest_bgr = 300 is out of range (allowed: 0 to 255)"),
    ("[overlay]\nchest_bgr = 5\n", "config [overlay] chest_bgr must be a list of 3 values"),
    ("holds = 3\n", "config [holds] must be a section of keys"),
])
def test_bad_config_values_are_refused_naming_key_and_range(tmp_path, text, fragment):
    from breathcam.config import load_config

    p = tmp_path / "c.toml"
    p.write_text(text)
    with pytest.raises(InputError) as err:
        load_config(p)
    assert fragment in str(err.value)


def test_every_default_is_inside_its_range_and_good_values_load(tmp_path):
    from breathcam.config import DEFAULT, load_config, validate_config

    assert validate_config(DEFAULT) is DEFAULT
    p = tmp_path / "c.toml"
    p.write_text("[motion]\nfs_hz = 15\n[holds]\nmin_hold_s = 4\n[filters]\norder = 3.0\n")
    cfg = load_config(p)
    assert cfg.motion.fs_hz == 15.0 and isinstance(cfg.motion.fs_hz, float) and cfg.filters.order == 3
    assert cfg.holds.min_hold_s == 4.0


def test_bad_config_on_the_command_line(wav, tmp_path, run_cli):
    p = tmp_path / "c.toml"
    p.write_text("[motion]\nfs_hz = 1e6\n")
    proc = run_cli("analyze", str(wav), "--config", str(p), "--no-save")
    _no_traceback(proc)
    assert proc.returncode == 2 and _errors(proc) == [
        "breathcam: error: config [motion] fs_hz = 1000000.0 is out of range (allowed: 1 to 100)"]


# ---------------------------------------------------------------------------------------------
# 6. input edge cases
# ---------------------------------------------------------------------------------------------


def _one_clean_error(proc, fragment: str) -> None:
    _no_traceback(proc)
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("breathcam: error: ") and fragment in lines[0], proc.stderr


def test_fifo_device_and_link_loop_are_refused_at_once(tmp_path, run_cli):
    fifo = tmp_path / "stream.mp4"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.mp4"
    loop.symlink_to(loop.name)
    dangling = tmp_path / "gone.wav"
    dangling.symlink_to("nowhere.wav")
    cases = [(fifo, "is a pipe (FIFO), not a regular file"), ("/dev/zero", "/dev/zero is a device, not a regular file"),
             (loop, "is a loop of symbolic links"), (dangling, "is a symbolic link to something that does not exist")]
    for path, fragment in cases:
        t0 = time.monotonic()
        proc = run_cli("analyze", str(path), "--no-save", timeout=60)
        assert time.monotonic() - t0 < 30
        _one_clean_error(proc, fragment)
    # the same checks guard --config and `report`
    _one_clean_error(run_cli("analyze", str(tmp_path), "--config", str(fifo)), "is a pipe (FIFO)")
    _one_clean_error(run_cli("report", str(fifo)), "is a pipe (FIFO)")


def test_unreadable_file_is_a_clear_error(wav, tmp_path):
    """chmod 000: one line saying permission denied.  Root reads any file, so as root the command
    runs with the two capabilities that allow it dropped (setpriv)."""
    import shutil

    p = tmp_path / "secret.wav"
    shutil.copy(wav, p)
    p.chmod(0)
    cmd = [sys.executable, "-m", "breathcam", "analyze", str(p), "--no-save"]
    if IS_ROOT:
        if shutil.which("setpriv") is None:
            pytest.skip("root without setpriv reads every file")
        cmd = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                          cwd=tmp_path, timeout=120)
    _one_clean_error(proc, f"cannot read {p}: permission denied")


def test_check_input_directly(tmp_path):
    empty = tmp_path / "e.wav"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        check_input(empty)
    with pytest.raises(InputError, match="is a folder"):
        check_input(tmp_path)
    with pytest.raises(InputError, match="file not found"):
        check_input(tmp_path / "none.wav")


@pytest.fixture(scope="module")
def analysis_json(tmp_path_factory, wav) -> str:
    """The JSON of a real analysis (of the noise file), as text."""
    out = tmp_path_factory.mktemp("json") / "ok.json"
    proc = subprocess.run([sys.executable, "-m", "breathcam", "analyze", str(wav), "--json", str(out), "--no-save"],
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert proc.returncode == 0, proc.stderr
    return out.read_text()


@pytest.mark.parametrize("change, fragment", [
    (lambda d: d.update(duration_s=1e12), "duration_s = 1000000000000.0 s is outside 0 to 604800 s"),
    (lambda d: d.update(duration_s=float("nan")), "it holds NaN, which JSON does not allow"),
    (lambda d: d["quality"].update(confidence=float("inf")), "it holds Infinity"),
    (lambda d: d.update(breaths=[{"inhale_start": 5, "exhale_start": 3, "end": 8}]), "breaths[0] has its phases out of order"),
    (lambda d: d.update(breaths=[{"inhale_start": "x", "exhale_start": 3, "end": 8}]), "breaths[0].inhale_start is 'x'"),
    (lambda d: d.update(holds={"a": 1}), "'holds' is not a list of objects"),
    (lambda d: d.update(rate_series=[{"t": -1e9, "bpm": 3}]), "rate_series[0].t = -1000000000.0 s"),
    (lambda d: d.update(pattern=3), "'pattern' is not an object"),
    (lambda d: d["pattern"].update(label={"a": 1}), "pattern.label is {'a': 1}"),
    (lambda d: d["pattern"].update(belly_share="x"), "pattern.belly_share is 'x'"),
])
def test_crafted_json_is_refused_by_report(tmp_path, analysis_json, run_cli, change, fragment):
    data = json.loads(analysis_json)
    change(data)
    p = tmp_path / "crafted.json"
    p.write_text(json.dumps(data))
    proc = run_cli("report", str(p), "-o", str(tmp_path / "r.html"))
    _one_clean_error(proc, fragment)
    assert not (tmp_path / "r.html").exists()


# ---------------------------------------------------------------------------------------------
# 8. the history and the reports are private
# ---------------------------------------------------------------------------------------------


def test_history_and_reports_created_private_even_with_a_lax_umask(wav, tmp_path):
    home = tmp_path / "home" / "breathcam"
    env = dict(os.environ, PYTHONPATH=str(ROOT), BREATHCAM_HOME=str(home))
    proc = subprocess.run(["sh", "-c", 'umask 000 && exec "$@"', "sh", sys.executable, "-m", "breathcam", "analyze",
                           str(wav), "--report", str(tmp_path / "rep"), "--csv", str(tmp_path / "csv"),
                           "--json", str(tmp_path / "a.json")], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    mode = lambda p: stat.S_IMODE(os.stat(p).st_mode)
    assert mode(home) == 0o700 and mode(tmp_path / "rep") == 0o700 and mode(tmp_path / "csv") == 0o700
    files = [home / "sessions.sqlite", tmp_path / "rep" / "a.report.html", tmp_path / "csv" / "a.breaths.csv",
             tmp_path / "a.json", *home.glob("sessions.sqlite-*")]
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}


def test_new_history_file_private_in_process(tmp_path):
    from breathcam.report.store import SessionStore

    with SessionStore(tmp_path / "h" / "s.sqlite"):
        pass
    assert stat.S_IMODE(os.stat(tmp_path / "h" / "s.sqlite").st_mode) == 0o600 & ~_umask()
    assert stat.S_IMODE(os.stat(tmp_path / "h").st_mode) == 0o700 & ~_umask()


# ---------------------------------------------------------------------------------------------
# 4. no silent overwrites
# ---------------------------------------------------------------------------------------------


def test_same_stem_in_one_folder_gives_distinct_outputs(wav, tmp_path, run_cli):
    import shutil

    import soundfile

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(wav, folder / "a.wav")
    data, fs = soundfile.read(str(wav))
    soundfile.write(str(folder / "a.flac"), data, fs)
    out = tmp_path / "out"
    proc = run_cli("analyze", str(folder), "--report", str(out), "--json", str(out), "--no-save")
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["a.flac.json", "a.flac.report.html", "a.wav.json", "a.wav.report.html", "breathcam-summary.csv"]
    assert json.loads((out / "a.flac.json").read_text())["source"].endswith("a.flac")


def test_two_clients_same_clip_name_into_one_report_folder(wav, tmp_path, run_cli):
    import shutil

    reports = tmp_path / "reports"
    for client in ("C1", "C2"):
        d = tmp_path / client
        d.mkdir()
        shutil.copy(wav, d / "session.wav")
        proc = run_cli("analyze", str(d / "session.wav"), "--report", str(reports), "--csv", str(reports),
                       "--client", client)
        assert proc.returncode == 0, proc.stderr
    # the names carry the client: nothing is replaced, and each file says whose it is
    assert "report written to " + str(reports / "C2-session.report.html") in proc.stdout
    first, second = (reports / "C1-session.report.html").read_text(), (reports / "C2-session.report.html").read_text()
    assert "C1" in first and "C2" not in first and "C2" in second
    assert (reports / "C2-session.breaths.csv").exists() and (reports / "C2-session.seconds.csv").exists()


# ---------------------------------------------------------------------------------------------
# 9. output hygiene: terminal escapes, CSV formulas, newlines in names
# ---------------------------------------------------------------------------------------------


def test_escape_sequences_and_newlines_are_shown_not_obeyed(wav, tmp_path, run_cli):
    evil = "\x1b[2J\x1b]0;owned\x07C1\nforged row"
    proc = run_cli("analyze", str(wav), "--client", evil, "--note", "line one\nline \x1b[31mtwo")
    assert proc.returncode == 0, proc.stderr
    for cmd in (("sessions", "list"), ("sessions", "show", "1"), ("sessions", "list", "--client", evil)):
        out = run_cli(*cmd)
        assert out.returncode == 0, out.stderr
        assert "\x1b" not in out.stdout and "\x07" not in out.stdout
        assert "\\x1b[2J\\x1b]0;owned\\x07C1\\nforged row" in out.stdout
    listed = run_cli("sessions", "list").stdout.splitlines()
    assert len(listed) == 2 and len(listed[0]) <= len(listed[1]) + 40  # one header, one row: the table holds
    shown = run_cli("sessions", "show", "1").stdout.splitlines()
    assert shown[-2:] == ["  line one", "  line \\x1b[31mtwo"]


def test_formula_file_names_are_quoted_in_the_summary_csv(wav, tmp_path, run_cli):
    import csv
    import shutil

    folder = tmp_path / "in"
    folder.mkdir()
    names = ['=HYPERLINK("x","y").wav', "+1.wav", "@SUM(A1).wav", "new\nline.wav", "plain.wav"]
    for n in names:
        shutil.copy(wav, folder / n)
    proc = run_cli("analyze", str(folder), "--no-save")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader((folder / "breathcam-summary.csv").open(newline="")))
    got = {r["file"] for r in rows}
    assert got == {"'+1.wav", "'=HYPERLINK(\"x\",\"y\").wav", "'@SUM(A1).wav", "new\nline.wav", "plain.wav"}
    table = proc.stdout.splitlines()
    assert any(ln.startswith("new\\nline.wav") for ln in table) and "5 of 5 files analysed" in table[-2]
    assert "\n".join(table).count("\n") == len(table) - 1 and len(table) == 1 + 5 + 2


def test_text_helpers():
    from breathcam.text import csv_cell, terminal_safe

    assert terminal_safe("a\tb\r\x9b\u2028") == "a\\tb\\r\\x9b\\u2028"
    assert [csv_cell(v) for v in ("-2+3", "\t=1", "ok", -2.5, "")] == ["'-2+3", "'\t=1", "ok", -2.5, ""]


# ---------------------------------------------------------------------------------------------
# 7. sound files read in blocks: the same samples as the whole-file mixdown
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fs_hz, channels", [(44100, 2), (48000, 1), (8000, 3)])
def test_block_reading_equals_whole_file_mixdown(tmp_path, fs_hz, channels):
    import soundfile

    from breathcam.capture.audio import load_audio, to_internal

    rng = np.random.default_rng(fs_hz)
    n = int(fs_hz * 7.3)
    x = np.clip(rng.standard_normal((n, channels)) * 0.3, -1, 1)
    x[: fs_hz // 10] = 1.0  # some clipping, counted across blocks
    p = tmp_path / "x.wav"
    soundfile.write(str(p), x, fs_hz, subtype="FLOAT")
    got = load_audio(p)
    ref = to_internal(soundfile.read(str(p), always_2d=True)[0], fs_hz=fs_hz, name=str(p), kind="file")
    assert got.samples.shape == ref.samples.shape and got.samples.dtype == np.float32
    np.testing.assert_allclose(got.samples, ref.samples, atol=1e-6)
    assert got.info == ref.info


# ---------------------------------------------------------------------------------------------
# 10. small items
# ---------------------------------------------------------------------------------------------


def test_cut_off_live_session_shows_its_numbers(tmp_path, run_cli):
    from breathcam.report.store import SessionRecorder
    from breathcam.types import Breath, RatePoint

    db = tmp_path / "h.sqlite"
    rec = SessionRecorder(db, client="L9", source="camera 0")
    for k in range(6):
        t = 5.0 * k
        rec.add_breath(Breath(t, t + 2.0, t + 4.5, t + 5.0, 1.0, 0.9, False))
        rec.add_rate(RatePoint(t + 5.0, 12.0, 0.8))
    rec.close()  # cut off: never finished
    proc = run_cli("sessions", "show", "1", "--db", str(db))  # --db after the action works too
    assert proc.returncode == 0, proc.stderr
    lines = dict(ln.split(": ", 1) for ln in proc.stdout.splitlines() if ": " in ln)
    assert lines["status"] == "cut off before it finished"
    assert float(lines["rate (/min)"]) == pytest.approx(12.0) and lines["breaths"] == "6"
    assert float(lines["median inhale (s)"]) == pytest.approx(2.0)
    listed = run_cli("sessions", "--db", str(db), "list").stdout.splitlines()
    assert "cut off" in listed[1] and "12.0" in listed[1]


def test_last_must_be_positive(tmp_path, run_cli):
    for bad in ("0", "-1"):
        proc = run_cli("sessions", "list", "--last", bad, "--db", str(tmp_path / "none.sqlite"))
        assert proc.returncode == 2 and "--last: must be 1 or more" in proc.stderr and "Traceback" not in proc.stderr
