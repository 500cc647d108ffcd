"""The one exception the domain layer raises for bad user input."""

from __future__ import annotations


class Rejected(ValueError):
    """An input that breaks a rule: `field` and `problem` pick the message, `params` fill it."""

    def __init__(self, field: str, problem: str, **params: object) -> None:
        super().__init__(f"{field}: {problem} {params}" if params else f"{field}: {problem}")
        self.field = field
        self.problem = problem
        self.params: dict[str, object] = params

    def __reduce__(self):  # type: ignore[override]
        # Exceptions pickle as cls(*args); ours needs its keywords back.
        return (_rebuild, (self.field, self.problem, self.params))

    def __repr__(self) -> str:
        return f"Rejected({self.field!r}, {self.problem!r}, **{self.params!r})"


def _rebuild(field: str, problem: str, params: dict[str, object]) -> Rejected:
    return Rejected(field, problem, **params)
