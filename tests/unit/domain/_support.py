"""Shared helper for the domain tests: what a cleaner rejected, as a comparable tuple."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from shipbot.domain.errors import Rejected


def rejection(clean: Callable[[str], object], text: str) -> tuple[str, str, dict]:
    with pytest.raises(Rejected) as caught:
        clean(text)
    return caught.value.field, caught.value.problem, caught.value.params
