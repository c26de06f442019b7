"""Session history in SQLite: who, when, what was analysed, the key numbers, notes, and the analysis.

The database is ``$BREATHCAM_HOME/sessions.sqlite``; without BREATHCAM_HOME it is
``$XDG_DATA_HOME/breathcam/sessions.sqlite`` (default ``~/.local/share/breathcam/``); ``--db PATH``
overrides both.  The schema version is kept in SQLite's ``user_version``: an older database is
upgraded in place, a newer one is refused with a message (update breathcam).

Tables: ``sessions`` (one row per session with its key numbers, the analysis JSON and the breathing
trace, compressed), and ``rate_points``, ``breaths``, ``holds``: the rows a live session writes as
it goes.  :class:`SessionRecorder` commits them at least every ``[report] live_commit_interval_s``
(WAL journal), so a crash or a kill loses at most the last 2 seconds; a session that never
finished is listed with status "live" (it was cut off) and can still be shown and reported.

Where it fails: a database locked by another program past ``[report] db_timeout_s``, a read-only
file or folder, or a file that is not SQLite: each raises BreathcamError with a one-line reason.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import zlib
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from breathcam.config import DEFAULT, Config
from breathcam.fileio import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE
from breathcam.types import Analysis, Breath, BreathcamError, Hold, InputError, MotionTraces, RatePoint

__all__ = ["SCHEMA_VERSION", "default_db_path", "SessionStore", "SessionRecorder"]

SCHEMA_VERSION = 3

# Key numbers kept as columns (for list, compare and the trend), from export.summary_numbers.
KEY_COLUMNS = ("duration_s", "rate_bpm", "n_breaths", "median_inhale_s", "median_exhale_s", "median_pause_s",
               "median_ie_ratio", "cv_duration", "rmssd_s", "sighs_per_min", "n_holds", "longest_hold_s",
               "pattern_label", "belly_share", "phase_deg", "compliance", "confidence")
# An assessment's own numbers (kind "assessment", breathcam.assess.history), for compare and the trend.
ASSESS_COLUMNS = ("control_pause_s", "nijmegen_total")

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS sessions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        client TEXT, started_at TEXT NOT NULL, source TEXT, kind TEXT NOT NULL, exercise TEXT,
        status TEXT NOT NULL, notes TEXT NOT NULL DEFAULT '',
        duration_s REAL, rate_bpm REAL, n_breaths INTEGER, median_inhale_s REAL, median_exhale_s REAL,
        median_pause_s REAL, median_ie_ratio REAL, cv_duration REAL, rmssd_s REAL, sighs_per_min REAL,
        n_holds INTEGER, longest_hold_s REAL, pattern_label TEXT, belly_share REAL, phase_deg REAL,
        compliance REAL, confidence REAL,
        analysis_json TEXT, trace BLOB, updated_at TEXT,
        control_pause_s REAL, nijmegen_total INTEGER, assessment_json TEXT)""",
    "CREATE INDEX IF NOT EXISTS sessions_client ON sessions(client, started_at)",
    """CREATE TABLE IF NOT EXISTS rate_points (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        t REAL NOT NULL, bpm REAL, confidence REAL)""",
    """CREATE TABLE IF NOT EXISTS breaths (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        inhale_start REAL, exhale_start REAL, pause_start REAL, end_s REAL, depth REAL, confidence REAL,
        sigh INTEGER)""",
    """CREATE TABLE IF NOT EXISTS holds (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        start REAL, end_s REAL, after TEXT, confidence REAL, open_end INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX IF NOT EXISTS rate_points_s ON rate_points(session_id, t)",
    "CREATE INDEX IF NOT EXISTS breaths_s ON breaths(session_id, inhale_start)",
    "CREATE INDEX IF NOT EXISTS holds_s ON holds(session_id, start)",
]
# What each schema version adds to the one before it (a database made by _SCHEMA is current).
_UPGRADES = {
    1: [],  # the first versioned schema
    # a hold that runs into the end of the measurement lasted at least until its end
    2: ["ALTER TABLE holds ADD COLUMN open_end INTEGER NOT NULL DEFAULT 0"],
    # assessments (breathcam assess): the control pause, the Nijmegen total and the whole assessment
    3: ["ALTER TABLE sessions ADD COLUMN control_pause_s REAL",
        "ALTER TABLE sessions ADD COLUMN nijmegen_total INTEGER",
        "ALTER TABLE sessions ADD COLUMN assessment_json TEXT"],
}


def _has_column(conn: sqlite3.Connection, stmt: str) -> bool:
    """An ``ALTER TABLE t ADD COLUMN c`` whose column is there already (an upgrade that ran before)."""
    words = stmt.split()
    if words[:2] != ["ALTER", "TABLE"] or words[3:5] != ["ADD", "COLUMN"]:
        return False
    return any(r[1] == words[5] for r in conn.execute(f"PRAGMA table_info({words[2]})"))


def default_db_path() -> Path:
    home = os.environ.get("BREATHCAM_HOME")
    if home:
        return Path(home) / "sessions.sqlite"
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "breathcam" / "sessions.sqlite"


def _db_error(path: Path, exc: Exception) -> BreathcamError:
    msg = str(exc).lower()
    if "locked" in msg or "busy" in msg:
        return BreathcamError(f"session history {path} is locked by another program; close it and retry, or use --db")
    if "readonly" in msg or "read-only" in msg or "unable to open" in msg or "permission" in msg:
        return BreathcamError(f"session history {path} cannot be written (read-only file or folder); "
                              f"fix its permissions or use --db PATH")
    if "not a database" in msg or "malformed" in msg or "file is encrypted" in msg:
        return BreathcamError(f"{path} is not a breathcam session history (not an SQLite database, or damaged); "
                              f"move it away or use --db PATH")
    return BreathcamError(f"session history {path}: {exc}")


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _pack_trace(traces: MotionTraces | None) -> bytes | None:
    if traces is None or len(traces.t_s) < 2:
        return None
    arrays = np.stack([np.asarray(traces.breathing, np.float32), np.asarray(traces.chest, np.float32),
                       np.asarray(traces.belly, np.float32), np.asarray(traces.valid, np.float32)])
    head = json.dumps({"fs_hz": traces.fs_hz, "t0": float(traces.t_s[0]), "n": int(arrays.shape[1]),
                       "pose_found": traces.pose_found, "method": traces.method, "view": traces.view}).encode()
    return zlib.compress(len(head).to_bytes(4, "little") + head + arrays.tobytes(), 6)


def _unpack_trace(blob: bytes | None) -> MotionTraces | None:
    if not blob:
        return None
    raw = zlib.decompress(blob)
    n_head = int.from_bytes(raw[:4], "little")
    head = json.loads(raw[4:4 + n_head])
    arrays = np.frombuffer(raw[4 + n_head:], np.float32).reshape(4, head["n"]).astype(float)
    t = head["t0"] + np.arange(head["n"]) / head["fs_hz"]
    return MotionTraces(head["fs_hz"], t, arrays[0], arrays[1], arrays[2], arrays[3] > 0.5,
                        head["pose_found"], head["method"], head["view"])


class SessionStore:
    """The session history.  Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | Path | None = None, *, config: Config = DEFAULT, create: bool = True):
        self.path = Path(path) if path is not None else default_db_path()
        self.config = config
        if not self.path.exists() and not create:
            raise InputError(f"no session history at {self.path} (analyse a clip first, or give --db PATH)")
        try:
            if not self.path.parent.is_dir():
                self.path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        except OSError as exc:
            raise BreathcamError(f"cannot create the folder for the session history {self.path}: "
                                 f"{exc.strerror or exc}; use --db PATH") from None
        self._create_private()
        try:
            self.conn = sqlite3.connect(str(self.path), timeout=config.report.db_timeout_s)
            self.conn.row_factory = sqlite3.Row
            self._migrate()
        except sqlite3.Error as exc:
            raise _db_error(self.path, exc) from None

    def _create_private(self) -> None:
        """A new history is created readable by its owner only (0600, or stricter by the umask): it
        holds health data.  SQLite gives its -wal and -shm files the same permissions."""
        if self.path.exists() or self.path.is_symlink():
            return
        try:
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
        except FileExistsError:
            pass  # another breathcam created it a moment ago
        except OSError as exc:
            raise _db_error(self.path, exc) from None

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            self.conn.close()
            raise BreathcamError(f"session history {self.path} was written by a newer breathcam (schema "
                                 f"{version}, this one reads {SCHEMA_VERSION}); update breathcam or use --db")
        self.conn.execute("PRAGMA foreign_keys = ON")
        if version < SCHEMA_VERSION:
            # WAL: readers never block the live writer and a commit is one append to the log.
            try:
                self.conn.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:
                pass
            with self.conn:
                upgrades = [s for v in range(version + 1, SCHEMA_VERSION + 1) for s in _UPGRADES[v]]
                for stmt in _SCHEMA if version == 0 else upgrades:
                    if not _has_column(self.conn, stmt):
                        self.conn.execute(stmt)
                self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "SessionStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        try:
            with self.conn:
                yield self.conn
        except sqlite3.Error as exc:
            raise _db_error(self.path, exc) from None

    # -- writing ---------------------------------------------------------------------------------

    def save_analysis(
        self,
        analysis: Analysis,
        *,
        client: str | None = None,
        kind: str = "clip",
        exercise: str | None = None,
        notes: str = "",
        started_at: str | None = None,
        analysis_json: dict | None = None,
    ) -> int:
        """Store a finished analysis as a new session; returns its id.

        ``analysis_json`` is stored instead of the analysis's own contract when given (a folder's
        result file, with its ``run`` block: breathcam.report.jobs)."""
        from breathcam.report.export import analysis_to_dict, summary_numbers

        nums = summary_numbers(analysis, min_breaths=self.config.report.min_breaths_variability)
        cols = ["client", "started_at", "source", "kind", "exercise", "status", "notes", "analysis_json", "trace",
                "updated_at", *KEY_COLUMNS]
        values = [client, started_at or _now(), analysis.source, kind, exercise, "complete", notes,
                  json.dumps(analysis_to_dict(analysis) if analysis_json is None else analysis_json),
                  _pack_trace(analysis.traces), _now(),
                  *[nums.get(k) for k in KEY_COLUMNS]]
        with self._tx() as c:
            cur = c.execute(f"INSERT INTO sessions ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", values)
            sid = int(cur.lastrowid)
            self._insert_rows(c, sid, analysis.rate_series, analysis.breaths, analysis.holds)
        return sid

    @staticmethod
    def _insert_rows(c, sid: int, points: Sequence[RatePoint], breaths: Sequence[Breath], holds: Sequence[Hold]):
        c.executemany("INSERT INTO rate_points VALUES (?, ?, ?, ?)", [(sid, p.t, p.bpm, p.confidence) for p in points])
        c.executemany("INSERT INTO breaths VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      [(sid, b.inhale_start, b.exhale_start, b.pause_start, b.end, b.depth, b.confidence,
                        int(b.is_sigh)) for b in breaths])
        c.executemany("INSERT INTO holds VALUES (?, ?, ?, ?, ?, ?)",
                      [(sid, h.start, h.end, h.after, h.confidence, int(h.open)) for h in holds])

    def add_note(self, session_id: int, text: str) -> None:
        self.get(session_id)
        with self._tx() as c:
            c.execute("UPDATE sessions SET notes = CASE WHEN notes = '' THEN ? ELSE notes || char(10) || ? END, "
                      "updated_at = ? WHERE id = ?", (text, text, _now(), session_id))

    # -- reading ---------------------------------------------------------------------------------

    def list(self, *, client: str | None = None, limit: int | None = None) -> list[dict]:
        """Sessions (key numbers, no analysis), newest last."""
        cols = ", ".join(("id", "client", "started_at", "source", "kind", "exercise", "status", "notes") + KEY_COLUMNS
                         + ASSESS_COLUMNS)
        sql = f"SELECT {cols} FROM sessions"
        args: list = []
        if client is not None:
            sql += " WHERE client = ?"
            args.append(client)
        sql += " ORDER BY started_at, id"
        try:
            rows = [dict(r) for r in self.conn.execute(sql, args)]
        except sqlite3.Error as exc:
            raise _db_error(self.path, exc) from None
        return rows[-limit:] if limit else rows

    def get(self, session_id: int | str) -> dict:
        try:
            sid = int(session_id)
        except (TypeError, ValueError):
            raise InputError(f"session id must be a number, not {session_id!r} (see: breathcam sessions list)") from None
        try:
            row = self.conn.execute("SELECT * FROM sessions WHERE id = ?", (sid,)).fetchone()
        except sqlite3.Error as exc:
            raise _db_error(self.path, exc) from None
        if row is None:
            raise InputError(f"no session {sid} in {self.path} (see: breathcam sessions list)")
        return dict(row)

    def get_numbers(self, session_id: int | str) -> dict:
        """:meth:`get`, with the key numbers of a live session that was cut off (it never stored
        them) measured from the rows it had committed, as ``breathcam report`` does."""
        row = self.get(session_id)
        if row["status"] == "live" and not row["analysis_json"]:
            from breathcam.report.export import summary_numbers

            analysis, _ = self.load_analysis(row["id"])
            nums = summary_numbers(analysis, min_breaths=self.config.report.min_breaths_variability)
            row.update({k: v for k, v in nums.items() if k in KEY_COLUMNS and row.get(k) is None})
            if row.get("pattern_label") == "unknown":
                row["pattern_label"] = None
        return row

    def load_analysis(self, session_id: int | str) -> tuple[Analysis, dict]:
        """The session's Analysis (with its trace when stored) and its row.

        A live session that was cut off is rebuilt from the rows it had committed.
        """
        from dataclasses import replace

        from breathcam.report.export import analysis_from_dict
        from breathcam.types import Pattern, Quality

        row = self.get(session_id)
        sid = row["id"]
        if row["analysis_json"]:
            analysis = analysis_from_dict(json.loads(row["analysis_json"]))
            return replace(analysis, traces=_unpack_trace(row["trace"])), row
        q = self.conn.execute
        points = tuple(RatePoint(r[0], r[1], r[2]) for r in
                       q("SELECT t, bpm, confidence FROM rate_points WHERE session_id = ? ORDER BY t", (sid,)))
        breaths = tuple(Breath(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in
                        q("SELECT inhale_start, exhale_start, pause_start, end_s, depth, confidence, sigh "
                          "FROM breaths WHERE session_id = ? ORDER BY inhale_start", (sid,)))
        holds = tuple(Hold(r[0], r[1], r[2], r[3], open=bool(r[4])) for r in
                      q("SELECT start, end_s, after, confidence, open_end FROM holds WHERE session_id = ? ORDER BY start",
                        (sid,)))
        ends = [p.t for p in points] + [b.end for b in breaths] + [h.end for h in holds]
        rates = [p.bpm for p in points if p.bpm is not None]
        note = ("live session cut off before it finished: these are the rows it had saved"
                if row["status"] == "live" else "")
        analysis = Analysis(
            source=row["source"] or "", duration_s=max(ends, default=0.0),
            rate_bpm=rates[-1] if rates else None, rate_series=points, breaths=breaths, holds=holds,
            pattern=Pattern(), quality=Quality(confidence=float(row["confidence"] or 0.0), pose_found=0.0,
                                               notes=(note,) if note else ()),
        )
        return analysis, row

    def trend(self, client: str, *, until_id: int | None = None) -> list[dict]:
        """Key numbers of a client's sessions in date order (up to and including ``until_id``)."""
        rows = self.list(client=client)
        if until_id is not None:
            keep = []
            for r in rows:
                keep.append(r)
                if r["id"] == until_id:
                    break
            rows = keep
        return rows


class SessionRecorder:
    """Writes a live session as it goes: rate points, breaths and holds reach the disk within
    ``[report] live_commit_interval_s`` (a background thread commits), so a kill loses at most that.

    >>> with SessionRecorder(db_path, client="C1", source="camera 0") as rec:   # doctest: +SKIP
    ...     rec.add_rate(point); rec.add_breath(breath); rec.add_hold(hold)
    ...     rec.finish(analysis)        # optional: replaces the rows with the final analysis

    Thread-safe: ``add_*`` only append to a list; the writer thread owns its own connection.
    """

    def __init__(
        self,
        db_path: str | Path | None = None,
        *,
        client: str | None = None,
        source: str = "camera",
        exercise: str | None = None,
        config: Config = DEFAULT,
    ):
        self.config = config
        self.interval_s = config.report.live_commit_interval_s
        self._store = SessionStore(db_path, config=config)  # creates / checks the schema
        self.path = self._store.path
        with self._store._tx() as c:
            cur = c.execute("INSERT INTO sessions (client, started_at, source, kind, exercise, status, updated_at) "
                            "VALUES (?, ?, ?, 'live', ?, 'live', ?)", (client, _now(), source, exercise, _now()))
            self.session_id = int(cur.lastrowid)
        self._store.close()
        self._lock = threading.Lock()
        self._pending: list[tuple[str, tuple]] = []
        self._stop = threading.Event()
        self._error: BreathcamError | None = None
        self._conn = sqlite3.connect(str(self.path), timeout=config.report.db_timeout_s, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode: a commit survives a killed process (the log is written before commit
        # returns); only a power cut may lose the last commits.
        self._conn.execute("PRAGMA synchronous = NORMAL")
        self._thread = threading.Thread(target=self._run, name="breathcam-recorder", daemon=True)
        self._thread.start()

    # -- producer side ---------------------------------------------------------------------------

    def _add(self, table: str, row: tuple) -> None:
        if self._error is not None:
            raise self._error
        with self._lock:
            self._pending.append((table, row))

    def add_rate(self, point: RatePoint) -> None:
        self._add("rate_points", (self.session_id, point.t, point.bpm, point.confidence))

    def add_breath(self, b: Breath) -> None:
        self._add("breaths", (self.session_id, b.inhale_start, b.exhale_start, b.pause_start, b.end, b.depth,
                              b.confidence, int(b.is_sigh)))

    def add_hold(self, h: Hold) -> None:
        self._add("holds", (self.session_id, h.start, h.end, h.after, h.confidence, int(h.open)))

    # -- writer side -----------------------------------------------------------------------------

    def flush(self) -> None:
        """Commit everything added so far (the thread does this every interval)."""
        with self._lock:
            pending, self._pending = self._pending, []
        if not pending:
            return
        sql = {"rate_points": "INSERT INTO rate_points VALUES (?, ?, ?, ?)",
               "breaths": "INSERT INTO breaths VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               "holds": "INSERT INTO holds VALUES (?, ?, ?, ?, ?, ?)"}
        try:
            with self._conn:
                for table, row in pending:
                    self._conn.execute(sql[table], row)
                self._conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (_now(), self.session_id))
        except sqlite3.Error as exc:
            with self._lock:  # keep the rows for the next try
                self._pending = pending + self._pending
            raise _db_error(self.path, exc) from None

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.flush()
            except BreathcamError as exc:
                self._error = exc  # surfaced on the next add_* call

    def finish(self, analysis: Analysis | None = None, *, notes: str = "") -> int:
        """End the session: commit what is pending and, given the final analysis, store its key numbers,
        JSON and trace (the rows written live are replaced by the analysis's own)."""
        from breathcam.report.export import analysis_to_dict, summary_numbers

        self._stop.set()
        self._thread.join()
        self.flush()
        with self._conn:
            if analysis is not None:
                nums = summary_numbers(analysis, min_breaths=self.config.report.min_breaths_variability)
                sets = ", ".join(f"{k} = ?" for k in KEY_COLUMNS)
                self._conn.execute(
                    f"UPDATE sessions SET status = 'complete', notes = ?, analysis_json = ?, trace = ?, "
                    f"updated_at = ?, {sets} WHERE id = ?",
                    [notes, json.dumps(analysis_to_dict(analysis)), _pack_trace(analysis.traces), _now(),
                     *[nums.get(k) for k in KEY_COLUMNS], self.session_id])
                for table in ("rate_points", "breaths", "holds"):
                    self._conn.execute(f"DELETE FROM {table} WHERE session_id = ?", (self.session_id,))
                SessionStore._insert_rows(self._conn, self.session_id, analysis.rate_series, analysis.breaths,
                                          analysis.holds)
            else:
                self._conn.execute("UPDATE sessions SET status = 'complete', notes = ?, updated_at = ? WHERE id = ?",
                                   (notes, _now(), self.session_id))
        self._conn.close()
        return self.session_id

    def close(self) -> None:
        """Stop without finishing (status stays 'live'); what was added is committed."""
        if self._thread.is_alive():
            self._stop.set()
            self._thread.join()
            self.flush()
            self._conn.close()

    def __enter__(self) -> "SessionRecorder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---------------------------------------------------------------------------------------------
# what `breathcam sessions list|show|compare` print
# ---------------------------------------------------------------------------------------------


def _f(v, nd: int = 1) -> str:
    if v is None or v == "":
        return "-"
    return f"{v:.{nd}f}" if isinstance(v, float) else str(v)


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    from breathcam.text import terminal_safe

    head = [terminal_safe(c) for c in head]
    rows = [[terminal_safe(c) for c in r] for r in rows]
    widths = [max(len(str(r[k])) for r in [head, *rows]) for k in range(len(head))]
    return ["  ".join(f"{str(c):<{w}}" for c, w in zip(r, widths)).rstrip() for r in [head, *rows]]


def _date(row: dict) -> str:
    """Date and time to the minute (sessions on the same day tell apart)."""
    return (row.get("started_at") or "").replace("T", " ")[:16]


_WORDS = {
    "en": {"none": "no sessions yet", "cut_off": "cut off", "cut_off_long": "cut off before it finished",
           "session": "session", "client": "client", "source": "source", "status": "status", "exercise": "exercise",
           "notes": "notes", "change": "change",
           "head": ("id", "date", "client", "kind", "status", "min", "rate/min", "breaths", "CV", "holds", "source"),
           "need_two": "compare needs at least two sessions (give ids, or --client with two or more sessions)"},
    "nl": {"none": "nog geen sessies", "cut_off": "afgebroken", "cut_off_long": "afgebroken voor het einde",
           "session": "sessie", "client": "cliënt", "source": "bron", "status": "status", "exercise": "oefening",
           "notes": "notities", "change": "verschil",
           "head": ("id", "datum", "cliënt", "soort", "status", "min", "freq./min", "ademteugen", "CV", "pauzes",
                    "bron"),
           "need_two": "vergelijken vraagt minstens twee sessies (geef ids, of --client met twee of meer sessies)"},
}
_KINDS = {"nl": {"clip": "opname", "live": "live", "exercise": "oefening", "assessment": "beoordeling",
                 "complete": "voltooid", "audio": "geluid"}}


def _w(lang: str, key: str):
    return _WORDS["nl" if lang == "nl" else "en"][key]


def _k(lang: str, value) -> str:
    return _KINDS.get(lang, {}).get(value, value) if isinstance(value, str) else value


def _fl(v, nd: int, lang: str) -> str:
    s = _f(v, nd)
    return s.replace(".", ",") if lang == "nl" and isinstance(v, float) else s


def list_lines(rows: Sequence[dict], *, lang: str = "en") -> list[str]:
    if not rows:
        return [_w(lang, "none")]
    head = _w(lang, "head")
    body = [(str(r["id"]), _date(r), r["client"] or "-", _k(lang, r["kind"]),
             _w(lang, "cut_off") if r["status"] == "live" else _k(lang, r["status"]),
             _fl((r["duration_s"] or 0) / 60.0, 1, lang), _fl(r["rate_bpm"], 1, lang), _f(r["n_breaths"]),
             _fl(r["cv_duration"], 2, lang), _f(r["n_holds"]), Path(r["source"] or "").name) for r in rows]
    return _table(head, body)


_LABELS = {
    "duration_s": "duration (s)", "rate_bpm": "rate (/min)", "n_breaths": "breaths",
    "median_inhale_s": "median inhale (s)", "median_exhale_s": "median exhale (s)",
    "median_pause_s": "median pause (s)", "median_ie_ratio": "median I:E", "cv_duration": "CV of breath duration",
    "rmssd_s": "RMSSD of breath durations (s)", "sighs_per_min": "sighs (/min)", "n_holds": "holds",
    "longest_hold_s": "longest hold (s)", "pattern_label": "chest/belly", "belly_share": "belly share",
    "phase_deg": "chest-belly phase (deg)", "compliance": "exercise compliance", "confidence": "confidence",
    "control_pause_s": "control pause (s)", "nijmegen_total": "Nijmegen total (0-64)",
}
_LABELS_NL = {
    "duration_s": "duur (s)", "rate_bpm": "ademfrequentie (/min)", "n_breaths": "ademteugen",
    "median_inhale_s": "mediane inademing (s)", "median_exhale_s": "mediane uitademing (s)",
    "median_pause_s": "mediane pauze (s)", "median_ie_ratio": "mediane I:E", "cv_duration": "CV van de ademduur",
    "rmssd_s": "RMSSD van de ademduur (s)", "sighs_per_min": "zuchten (/min)", "n_holds": "adempauzes",
    "longest_hold_s": "langste adempauze (s)", "pattern_label": "borst/buik", "belly_share": "buikaandeel",
    "phase_deg": "fase borst-buik (graden)", "compliance": "naleving oefening", "confidence": "betrouwbaarheid",
    "control_pause_s": "controlepauze (s)", "nijmegen_total": "Nijmegen totaal (0-64)",
}
_PATTERN_NL = {"chest": "borst", "belly": "buik", "mixed": "gemengd", "unknown": "onbekend"}


def _label(k: str, lang: str) -> str:
    return (_LABELS_NL if lang == "nl" else _LABELS)[k]


def _value(row: dict, k: str, lang: str) -> str:
    v = row.get(k)
    if k == "pattern_label" and lang == "nl" and isinstance(v, str):
        return _PATTERN_NL.get(v, v)
    return _fl(v, 2, lang)


def _columns(rows: Sequence[dict]) -> tuple[str, ...]:
    """The key numbers, with the assessment's own first when any row is an assessment."""
    if any(r.get("kind") == "assessment" for r in rows):
        return ASSESS_COLUMNS + KEY_COLUMNS
    return KEY_COLUMNS


def show_lines(row: dict, *, lang: str = "en") -> list[str]:
    from breathcam.text import terminal_safe

    w = lambda key: _w(lang, key)
    lines = [f"{w('session')} {row['id']}: {(row['started_at'] or '').replace('T', ' ')}",
             f"{w('client')}: {row['client'] or '-'}", f"{w('source')}: {row['source'] or '-'} ({_k(lang, row['kind'])})",
             f"{w('status')}: {w('cut_off_long') if row['status'] == 'live' else _k(lang, row['status'])}"]
    if row.get("exercise"):
        lines.append(f"{w('exercise')}: {row['exercise']}")
    lines += [f"{_label(k, lang)}: {_value(row, k, lang)}" for k in _columns([row])]
    if row.get("notes"):
        lines += [f"{w('notes')}:", *("  " + n for n in row["notes"].splitlines())]
    return [terminal_safe(line) for line in lines]


def compare_lines(rows: Sequence[dict], *, lang: str = "en") -> list[str]:
    """Key numbers side by side, one column per session (date and time), with the change first -> last;
    assessments show their control pause and Nijmegen total first."""
    if len(rows) < 2:
        raise InputError(_w(lang, "need_two"))
    head = ["", *[f"#{r['id']} {_date(r)}" for r in rows], _w(lang, "change")]
    body = []
    for k in _columns(rows):
        vals = [r.get(k) for r in rows]
        a, b = vals[0], vals[-1]
        if isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool):
            change = str(b - a)  # counts and scores stay whole
        else:
            change = _fl(float(b - a), 2, lang) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else ""
        if change and not change.startswith("-"):
            change = "+" + change
        body.append([_label(k, lang), *[_value(r, k, lang) for r in rows], change])
    return _table(head, body)


class LiveSessionWriter:
    """The live loop's ``on_update`` (breathcam.live.run_live): hands every newly committed breath
    and hold, and the current rate once per update, to a :class:`SessionRecorder`; the final
    analysis ends the session.  Nothing here blocks the loop (the recorder's thread writes).

    The session is opened in the history at the first update, so a session that never started (a
    camera that does not open, a safety screen not confirmed) leaves nothing behind.  When the
    history cannot be opened, ``error`` says why and the session goes on unsaved.
    """

    def __init__(self, db_path: str | Path | None = None, *, client: str | None = None, source: str = "camera",
                 exercise: str | None = None, notes: str = "", config: Config = DEFAULT):
        self._open = dict(db_path=db_path, client=client, source=source, exercise=exercise, config=config)
        self.notes = notes
        self.recorder: SessionRecorder | None = None
        self.error: BreathcamError | None = None
        self._breaths_after = -np.inf
        self._holds_after = -np.inf

    @property
    def session_id(self) -> int | None:
        return None if self.recorder is None else self.recorder.session_id

    def __call__(self, state, analysis: Analysis | None = None) -> None:
        if self.recorder is None and self.error is None:
            try:
                self.recorder = SessionRecorder(**self._open)
            except BreathcamError as exc:
                self.error = exc
        rec = self.recorder
        if rec is None:
            return
        for b in state.breaths:
            if b.inhale_start > self._breaths_after:
                rec.add_breath(b)
                self._breaths_after = b.inhale_start
        for h in state.holds:
            if h.start > self._holds_after:
                rec.add_hold(h)
                self._holds_after = h.start
        rec.add_rate(RatePoint(t=float(state.t_s), bpm=state.rate_bpm, confidence=float(state.rate_confidence)))
        if analysis is not None:
            rec.finish(analysis, notes=self.notes)

    def close(self) -> None:
        """Stop writing (a no-op after the final analysis); what was written stays."""
        if self.recorder is not None:
            self.recorder.close()
