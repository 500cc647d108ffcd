"""Every path an app serves, for tests that check what exists (and what must not)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from fastapi import FastAPI


def _paths(routes: Iterable[object]) -> Iterator[str]:
    for route in routes:
        # FastAPI keeps an included router as one entry whose routes it resolves lazily.
        candidates = getattr(route, "effective_candidates", None)
        if candidates is not None:
            yield from _paths(candidates())
        else:
            yield route.path


def route_paths(app: FastAPI) -> list[str]:
    return list(_paths(app.routes))
