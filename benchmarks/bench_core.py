"""Ensemble speed: replication-months per second, and the gain over one model per replication.

Bars (issue 2): 1,000 replications x 24 months under 0.1 s on one core, and at
least 100x faster per replication than running the same replications one model
instance at a time. Prints figures; never fails on timing (the machine is shared).
"""

import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from model import load_scenario, simulate  # noqa: E402
from model.model import RedlineModel  # noqa: E402


def best_of(fn, n):
    times = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def main():
    sc = load_scenario("november-2024")
    R, H = 1000, sc.horizon_months
    simulate(sc, reps=R, seed=0)  # warm up imports and caches

    def ensemble_model(i):
        m = RedlineModel(sc, R, i)
        m.run()
        m.release()

    best, med = best_of(ensemble_model, 15)
    full_best, full_med = best_of(lambda i: simulate(sc, reps=R, seed=i).outcomes, 15)
    singles = 150

    def one_at_a_time(i):
        for k in range(singles):
            m = RedlineModel(sc, 1, 10_000 + k)
            m.run()
            m.release()

    s_best, _ = best_of(one_at_a_time, 3)
    per_rep_single = s_best / singles
    per_rep_ensemble = best / R
    print(
        f"ensemble model, {R:,} reps x {H} months: best {best * 1000:.1f} ms, median "
        f"{med * 1000:.1f} ms  (bar < 60 ms, issue 9: {'met' if best < 0.06 else 'NOT met'})"
    )
    print(
        f"simulate() incl. outcome table: best {full_best * 1000:.1f} ms, median {full_med * 1000:.1f} ms"
    )
    print(f"throughput: {R * H / best:,.0f} replication-months per second")
    print(
        f"one model per replication: {per_rep_single * 1000:.2f} ms per replication "
        f"({singles} runs); ensemble: {per_rep_ensemble * 1e6:.1f} us per replication"
    )
    ratio = per_rep_single / per_rep_ensemble
    print(
        f"ratio: {ratio:,.0f}x faster per replication (bar >= 100x: "
        f"{'met' if ratio >= 100 else 'NOT met'})"
    )
    for big in (10_000, 100_000):
        t = time.perf_counter()
        m = RedlineModel(sc, big, 1)
        m.run()
        m.release()
        dt = time.perf_counter() - t
        print(f"{big:,} reps x {H} months: {dt:.2f} s ({big * H / dt:,.0f} replication-months/s)")


if __name__ == "__main__":
    main()
