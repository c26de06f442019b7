"""Where the per-clip jobs of a folder run: a local pool of processes, or a Dask cluster.

Both yield ``(job, ClipResult)`` as clips finish, in the order they finish.

:class:`LocalRunner` keeps at most ``workers`` clips in flight in a pool of spawned processes
(``concurrent.futures``).  The workers ignore Ctrl-C: the parent decides.  A clip that kills its
process (a decoder crash) breaks the pool; the clips that were in flight are then run again, each
alone in a process of its own, so only the one that crashes again is reported as an error and the
rest of the folder goes on in a new pool.  Closing the runner (Ctrl-C, SIGTERM in the parent)
ends the workers at once; what they had finished is already written.

:class:`DaskRunner` submits the same jobs to a Dask distributed scheduler (``--scheduler
tcp://HOST:PORT``, optional extra ``breathcam[dask]``).  The workers must reach the clips and the
results folder by the same paths (a shared file system), and have breathcam installed.
"""

from __future__ import annotations

import os
import signal
from collections import deque
from typing import Iterable, Iterator

from breathcam.report.jobs import ClipJob, ClipResult, run_clip
from breathcam.types import BreathcamError

__all__ = ["default_workers", "LocalRunner", "DaskRunner"]


def default_workers() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _init_worker(threads: int = 0) -> None:
    # Ctrl-C at the terminal reaches the whole process group: the parent stops the work, a worker
    # must not cut its clip short and write a partial result as if it were whole.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The cores are shared out between the workers: OpenCV's own thread pool gets this worker's
    # share (cores / workers), so N workers do not run N x cores threads that preempt each other.
    if threads > 0:
        try:
            from breathcam._deps import cv2

            cv2().setNumThreads(threads)
        except BreathcamError:
            pass


def _crashed(job: ClipJob) -> ClipResult:
    return ClipResult(job.path, "error", "the analysis process ended abruptly on this file (a crash in a decoder "
                      "or library); the other files were not affected")


class LocalRunner:
    """``fn`` is the job (report.jobs.run_clip; a module-level function, for the spawned processes)."""

    def __init__(self, workers: int, *, fn=run_clip):
        self.workers = max(1, int(workers))
        self.fn = fn
        self._pool = None

    def _new_pool(self, workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        threads = max(1, default_workers() // workers)
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(threads,))

    def close(self) -> None:
        """End the workers now (their clips are not finished; finished ones are already written)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        procs = list((getattr(pool, "_processes", None) or {}).values())
        for p in procs:
            try:
                p.terminate()
            except (OSError, AttributeError, ValueError):
                pass
        pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            try:
                p.join(timeout=5)
            except (OSError, AttributeError, ValueError, AssertionError):
                pass

    def _isolated(self, job: ClipJob) -> ClipResult:
        """Run one clip alone in a process of its own (after a crash in the shared pool)."""
        from concurrent.futures.process import BrokenProcessPool

        self._pool = self._new_pool(1)
        try:
            return self._pool.submit(self.fn, job).result()
        except BrokenProcessPool:
            return _crashed(job)
        finally:
            self.close()

    def run(self, jobs: Iterable[ClipJob]) -> Iterator[tuple[ClipJob, ClipResult]]:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        queue = deque(jobs)
        suspects: deque[ClipJob] = deque()
        inflight: dict = {}
        try:
            while queue or suspects or inflight:
                if suspects and not inflight:
                    job = suspects.popleft()
                    yield job, self._isolated(job)
                    continue
                if self._pool is None:
                    self._pool = self._new_pool(min(self.workers, max(1, len(queue))))
                while queue and len(inflight) < self.workers:
                    job = queue.popleft()
                    inflight[self._pool.submit(self.fn, job)] = job
                done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                broken = False
                for fut in done:
                    job = inflight.pop(fut)
                    try:
                        res = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        suspects.append(job)
                        continue
                    except Exception as exc:  # pickling or a bug outside run_clip's own guard
                        res = ClipResult(job.path, "error", f"unexpected {type(exc).__name__}: {exc}")
                    yield job, res
                if broken:  # every clip still in flight went down with the pool
                    suspects.extend(inflight.values())
                    inflight.clear()
                    self.close()
        finally:
            self.close()


class DaskRunner:
    """The per-clip jobs on a Dask distributed cluster (``tcp://HOST:PORT`` of its scheduler)."""

    def __init__(self, address: str, *, window: int | None = None):
        try:
            from distributed import Client
        except ImportError:
            raise BreathcamError("--scheduler needs Dask distributed: pip install \"breathcam[dask]\"") from None
        try:
            self.client = Client(address, timeout="20s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise BreathcamError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        n = sum(int(w.get("nthreads", 1)) for w in self.client.scheduler_info().get("workers", {}).values())
        self.window = window or max(2, 2 * n)  # keep every worker busy, no more in the queue
        self._futures: dict = {}

    def close(self) -> None:
        futures = list(self._futures)
        self._futures = {}
        try:
            if futures:
                self.client.cancel(futures)
            self.client.close()
        except Exception:  # the scheduler went away: nothing left to cancel
            pass

    def run(self, jobs: Iterable[ClipJob]) -> Iterator[tuple[ClipJob, ClipResult]]:
        from distributed import as_completed

        queue = deque(jobs)
        try:
            first = []
            while queue and len(self._futures) < self.window:
                first.append(self._submit(queue.popleft()))
            pending = as_completed(first, loop=self.client.loop)
            for fut in pending:
                job = self._futures.pop(fut)
                try:
                    res = fut.result()
                except Exception as exc:  # a worker died on the clip (KilledWorker) or the job failed
                    res = ClipResult(job.path, "error", f"on the cluster: {type(exc).__name__}: {exc}"[:200])
                yield job, res
                if queue:
                    pending.add(self._submit(queue.popleft()))
        finally:
            self.close()

    def _submit(self, job: ClipJob):
        fut = self.client.submit(run_clip, job, pure=False, retries=0)
        self._futures[fut] = job
        return fut
