import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    ours_ms: float
    baseline_ms: float
    unit: str = "ms"  # or "queries", for the query-count lines

    @property
    def ratio(self) -> float:
        return self.ours_ms / self.baseline_ms if self.baseline_ms else float("inf")

    def line(self) -> str:
        return (
            f"{self.name}: {self.ratio:.2f}x "
            f"(ours {self.ours_ms:.2f} {self.unit}, baseline {self.baseline_ms:.2f} {self.unit})"
        )


def median_ms(action: Callable[[], object], *, repeat: int = 15, warmup: int = 3) -> float:
    """The median wall time of `action` in milliseconds, after warm-up runs."""
    return _median_ms(action, time.perf_counter, repeat=repeat, warmup=warmup)


def median_cpu_ms(action: Callable[[], object], *, repeat: int = 15, warmup: int = 3) -> float:
    """The median CPU time of this process spent in `action`, in milliseconds, after warm-up
    runs: what a request costs the server's cores, without the time it waits for Postgres or
    Redis (which a loaded machine stretches many times over)."""
    return _median_ms(action, time.process_time, repeat=repeat, warmup=warmup)


def _median_ms(
    action: Callable[[], object], clock: Callable[[], float], *, repeat: int, warmup: int
) -> float:
    """`action` run `warmup` times unmeasured, then `repeat` times timed by `clock` (seconds):
    the median of those times, in milliseconds."""
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeat):
        started = clock()
        action()
        samples.append((clock() - started) * 1000)
    return statistics.median(samples)
