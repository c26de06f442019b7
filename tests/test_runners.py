"""The local pool of a folder run: a job that kills its process costs that job only."""

import os

from breathcam.report.jobs import ClipJob, ClipResult
from breathcam.report.runners import LocalRunner


def _job(job: ClipJob) -> ClipResult:
    """A stand-in clip job run in the spawned workers: 'crash' ends its process abruptly (as a
    decoder crash does), the others succeed and say which process ran them."""
    if os.path.basename(job.path) == "crash":
        os._exit(3)
    return ClipResult(job.path, "ok", reason=str(os.getpid()))


def test_a_crashing_job_is_the_only_error(tmp_path):
    names = ["a", "b", "crash", "c", "d", "e"]
    jobs = [ClipJob(str(tmp_path / n), n, str(tmp_path)) for n in names]
    runner = LocalRunner(2, fn=_job)
    got = {os.path.basename(j.path): r for j, r in runner.run(jobs)}
    assert sorted(got) == sorted(names)  # every job came back once
    assert got["crash"].status == "error" and "ended abruptly" in got["crash"].reason
    assert all(got[n].status == "ok" for n in names if n != "crash"), got
    assert all(int(got[n].reason) != os.getpid() for n in names if n != "crash")  # in other processes
