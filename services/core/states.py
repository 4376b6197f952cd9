"""One rule for every life cycle (feedback, scam reports): a move the current state does not allow is a
409 `invalid_transition` that names the allowed ones."""

from services.core.errors import Conflict


def require_move(transitions: dict[str, tuple[str, ...]], what: str, current: str, to: str) -> None:
    """`what` names the object for people, e.g. "A feedback"."""
    allowed = transitions[current]
    if to not in allowed:
        raise Conflict(
            f"{what} that is {current} cannot become {to}.", code="invalid_transition", allowed=list(allowed)
        )
