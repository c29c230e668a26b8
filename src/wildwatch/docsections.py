"""The figures that benchmarks and evaluation scripts write into the docs: each owns the text between
``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` in a Markdown file, and replaces only that."""

from __future__ import annotations

from pathlib import Path


def replace_section(doc: Path, name: str, body: str, *, heading: str | None = None) -> None:
    """Put ``body`` between the ``name`` markers of ``doc``. Without the markers: append them under ``heading``
    (a new file starts with ``# Performance``), or, without a heading, stop with a message naming the marker."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = doc.read_text("utf-8") if doc.exists() else "# Performance\n"
    if start not in text:
        if heading is None:
            raise SystemExit(f"{doc.name} has no {start} marker")
        text = text.rstrip("\n") + f"\n\n{heading}\n\n{start}\n{end}\n"
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    doc.write_text(f"{head}{start}\n{body}\n{end}{tail}", "utf-8")
