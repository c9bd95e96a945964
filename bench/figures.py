"""What every benchmark reports: latency percentiles, the machine, the results file."""

from __future__ import annotations

import json
import os
import platform
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 and p99 of `samples` (seconds) in milliseconds, and how many there were."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(p99 * 1000, 3),
        "n": len(ordered),
    }


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model(),
        "memory_gib": memory_gib(),
    }


def cpu_model() -> str:
    """The processor's name from /proc/cpuinfo (Linux), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def write_results(name: str, results: dict[str, Any], console: Console) -> Path:
    """Write bench/results/NAME.json, say so, and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    stamped = {"ran_at": datetime.now(UTC).isoformat(timespec="seconds"), **results}
    path.write_text(json.dumps(stamped, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote bench/results/{path.name}")
    return path


def show_and_write(console: Console, title: str, results: dict[str, Any], name: str) -> Path:
    """Print `results` as a table of measures (with the target's verdict), then write them."""
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in results.items():
        if key not in ("benchmark", "machine", "target", "target_met"):
            table.add_row(key.replace("_", " "), str(value))
    console.print(table)
    console.print(f"target ({results['target']}): {'met' if results['target_met'] else 'NOT met'}")
    return write_results(name, results, console)
