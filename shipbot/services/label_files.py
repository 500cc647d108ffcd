"""Bought label PDFs kept on disk (carriers' download links expire), one file per label."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


class LabelFiles:
    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def path(self, label_id: str) -> Path:
        # Carrier ids become file names: anything but a plain name character is replaced.
        return self.directory / f"{_SAFE.sub('_', label_id)}.pdf"

    def save(self, label_id: str, pdf: bytes) -> Path:
        """Written aside and renamed, so a crash never leaves half a label behind."""
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.path(label_id)
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        with os.fdopen(handle, "wb") as file:
            file.write(pdf)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
        return target

    def read(self, label_id: str) -> bytes:
        return self.path(label_id).read_bytes()
