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
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def median_cpu_ms(action: Callable[[], object], *, repeat: int = 15, warmup: int = 3) -> float:
    """The median CPU time of this process spent in `action`, in milliseconds, after warm-up
    runs: what a request costs the server's cores, without the time it waits for Postgres or
    Redis (which a loaded machine stretches many times over)."""
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeat):
        started = time.process_time()
        action()
        samples.append((time.process_time() - started) * 1000)
    return statistics.median(samples)
