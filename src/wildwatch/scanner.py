"""Scanning many listings with one or more worker processes, in input order.

Each worker builds its Detector once (in the pool initializer) and checks chunks of listings with
``Detector.check_many``; results come back in input order.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .detect.engine import Detector
from .detect.library import load_path, load_starter

CHUNK = 1024  # listings per batch: ~0.7 MB of text, so that a batch's buffers stay near the core's L2 cache

_worker_detector: Detector | None = None


def build_detector(library_path: str | None = None, profile: str | None = None,
                   max_text_bytes: int = 1 << 20) -> Detector:
    library = load_path(Path(library_path)) if library_path else load_starter()
    return Detector(library, profile=profile, max_text_bytes=max_text_bytes)


def _init_worker(library_path: str | None, profile: str | None, max_text_bytes: int) -> None:
    global _worker_detector
    _worker_detector = build_detector(library_path, profile, max_text_bytes)


def _check_chunk(texts: list[str]) -> list[dict[str, Any]]:
    assert _worker_detector is not None
    return [d.to_dict() for d in _worker_detector.check_many(texts)]


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def scan_texts(texts: Iterable[str], *, workers: int = 1, library_path: str | None = None,
               profile: str | None = None, max_text_bytes: int = 1 << 20,
               detector: Detector | None = None, chunk: int = CHUNK) -> Iterator[dict[str, Any]]:
    """Decisions (as dicts) for ``texts``, in order. ``workers > 1`` uses that many processes."""
    if workers <= 1:
        det = detector or build_detector(library_path, profile, max_text_bytes)
        for part in _chunks(texts, chunk):
            for decision in det.check_many(part):
                yield decision.to_dict()
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(workers, initializer=_init_worker, initargs=(library_path, profile, max_text_bytes)) as pool:
        for result in pool.imap(_check_chunk, _chunks(texts, chunk), chunksize=1):
            yield from result


@dataclass
class Summary:
    """What a scan found, for the table printed at its end."""

    verdicts: Counter[str] = field(default_factory=Counter)
    taxa: Counter[str] = field(default_factory=Counter)
    terms: Counter[str] = field(default_factory=Counter)
    bad_rows: int = 0
    warnings: int = 0
    listings: int = 0
    seconds: float = 0.0

    def add(self, decision: dict[str, Any]) -> None:
        self.listings += 1
        self.verdicts[decision["verdict"]] += 1
        if decision["verdict"] != "allow":
            for hit in decision["hits"]:
                if hit["kind"] in ("name", "product", "cover", "emoji"):
                    self.terms[hit["term"]] += 1
                    if hit.get("taxon"):
                        self.taxa[hit["taxon"]] += 1
        if decision.get("warnings"):
            self.warnings += 1

    def table(self) -> str:
        rate = self.listings / self.seconds if self.seconds > 0 else 0.0
        lines = ["", "wildwatch scan summary", "-" * 40]
        for verdict in ("block", "review", "allow"):
            lines.append(f"{verdict:<10}{self.verdicts.get(verdict, 0):>12,}")
        lines.append(f"{'bad rows':<10}{self.bad_rows:>12,}")
        lines.append(f"{'warnings':<10}{self.warnings:>12,}")
        lines.append(f"{'total':<10}{self.listings:>12,}   {rate:,.0f} listings/s ({self.seconds:.2f} s)")
        if self.taxa:
            lines.append("top taxa:  " + ", ".join(f"{k} ({v})" for k, v in self.taxa.most_common(5)))
        if self.terms:
            lines.append("top terms: " + ", ".join(f"{k} ({v})" for k, v in self.terms.most_common(5)))
        return "\n".join(lines) + "\n"


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
