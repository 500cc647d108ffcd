"""The sandbox carrier's record of bought labels, by rate id: on disk when a directory is
given (so it survives a crash, like a real carrier account), else in memory."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


class PurchaseRecords:
    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._memory: dict[str, str] = {}

    def record(self, rate_id: str, label_id: str) -> None:
        if self.directory is None:
            self._memory[rate_id] = label_id
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        with os.fdopen(handle, "w") as file:
            json.dump({"rate_id": rate_id, "label_id": label_id}, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self._path(rate_id))

    def find(self, rate_id: str) -> str | None:
        """The latest label bought with this rate id (one shipment, one service)."""
        if self.directory is None:
            return self._memory.get(rate_id)
        path = self._path(rate_id)
        return json.loads(path.read_text())["label_id"] if path.exists() else None

    def _path(self, rate_id: str) -> Path:
        return self.directory / f"{_SAFE.sub('_', rate_id)}.json"
