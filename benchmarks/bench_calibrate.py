"""Calibration speed: the shipped targets, 12 free parameters, 3 waves of 1,000 points.

Bar (issue 10), on this 2-core machine: a calibration with 12 free parameters, 3 waves
of 1,000 points and 200 replications each, over the hindcasts' months (to December
2025), finishes in under 5 minutes on local processes over all cores.

Prints the wall time, the replication-months run and their rate, and whether the bar is
met; never fails on timing (the machine is shared, so figures are noisy). Runs for a few
minutes:
    .venv/bin/python -m benchmarks.bench_calibrate
"""

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from model.calibration import load_targets, run_calibration  # noqa: E402
from model.experiments.executors import cpu_count  # noqa: E402

BAR_SECONDS = 300
SETTINGS = {"waves": 3, "points": 1000, "replications": 200, "seed": 1}


def bench_calibrate(tmp: Path) -> None:
    t = load_targets("targets")
    workers = cpu_count()
    runs = ", ".join(f"{r.key} ({r.months} months)" for r in t.runs_for(t.fit))
    print(
        f"[calibrate] {len(t.free)} free parameters, {SETTINGS['waves']} waves x "
        f"{SETTINGS['points']:,} points x {SETTINGS['replications']} replications of each fit "
        f"run: {runs}; then the held-out runs on the survivors; {workers} local worker "
        "processes",
        flush=True,
    )
    start = time.perf_counter()
    report = run_calibration(t, tmp / "calibration", SETTINGS, workers=workers)
    wall = time.perf_counter() - start
    print(
        f"[calibrate] wall time {wall:.1f} s; {report.replications_run:,} replications, "
        f"{report.rep_months_run:,} replication-months: {report.rep_months_run / wall:,.0f} "
        f"replication-months/s on {workers} cores; {report.survivors:,} survivors  "
        f"bar < {BAR_SECONDS} s: {'met' if wall < BAR_SECONDS else 'NOT met'}"
    )
    if wall >= BAR_SECONDS:
        print(
            "[calibrate] what would fix it: an idle machine or more cores (`--dask tcp://...`); "
            "fewer replications per point, or fit targets that read fewer scenarios or months."
        )


def main(argv):
    print(f"machine: {cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    tmp = Path(tempfile.mkdtemp(prefix="redline-bench-calibrate-"))
    try:
        bench_calibrate(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
