"""One rule for every life cycle (feedback, scam reports, notices, alerts): a move the current state
does not allow, or a change to an object in a final state, is a 409 that names the allowed moves.
The code is `invalid_transition` unless a domain keeps a more telling one clients already know (a
Conflict subclass of its own, passed as `refusal`)."""

from services.core.errors import Conflict

# Each state and the states it may move to.
Transitions = dict[str, tuple[str, ...]]


class InvalidTransition(Conflict):
    code = "invalid_transition"


def require_move(
    transitions: Transitions,
    what: str,
    current: str,
    to: str,
    *,
    refusal: type[Conflict] = InvalidTransition,
    hint: str = "",
) -> None:
    """`what` names the object for people, e.g. "A feedback"; `hint` says what to do instead."""
    allowed = transitions[current]
    if to not in allowed:
        detail = f"{what} that is {current} cannot become {to}{hint and ': ' + hint}."
        raise refusal(detail, allowed=list(allowed))


def require_changeable(transitions: Transitions, what: str, current: str, *, refusal: type[Conflict]) -> None:
    """Editing is for states that still lead somewhere: a final state (no moves out) is a 409 `refusal`."""
    if not transitions[current]:
        raise refusal(f"{what} that is {current} cannot change.", allowed=[])
