"""Why a change to an invoice was refused, in codes a client can act on."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

NOT_FOUND = "NOT_FOUND"
INVALID_TRANSITION = "INVALID_TRANSITION"
VERSION_CONFLICT = "VERSION_CONFLICT"
INVALID_INPUT = "INVALID_INPUT"
DUPLICATE = "DUPLICATE"


def field_path(location: Sequence[str | int]) -> str:
    """An input path as clients write it: ('orders', 0, 'items') -> 'orders[0].items'."""
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


@dataclass(frozen=True)
class Refusal:
    """One reason: a code, a message naming the problem, and the input field it concerns."""

    code: str
    message: str
    field: str | None = None
    current_version: int | None = None


class ChangeRefused(Exception):
    """A change that was not made, with every reason found; nothing was stored."""

    def __init__(self, refusals: Iterable[Refusal]) -> None:
        self.refusals = list(refusals)
        if not self.refusals:
            raise ValueError("a refused change needs at least one reason")
        super().__init__("; ".join(refusal.message for refusal in self.refusals))


def refuse(
    code: str, message: str, field: str | None = None, current_version: int | None = None
) -> ChangeRefused:
    """A refusal for one reason."""
    return ChangeRefused([Refusal(code, message, field, current_version)])
