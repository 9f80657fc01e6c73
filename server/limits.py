"""A request's time budget, from the caps of `passerelle.limits`."""

from __future__ import annotations

from passerelle.limits import TIMEOUT_PARAMETER, parse_seconds
from server.errors import ApiError


def budget(ceiling: float, requested: str | None) -> float:
    """The time a query may take: what the request asked for, never more than the ceiling.

    ApiError 400 when the requested value is not a positive number of seconds.
    """
    if not requested:
        return ceiling
    try:
        return min(ceiling, parse_seconds(requested, f"{TIMEOUT_PARAMETER}="))
    except ValueError as exc:
        raise ApiError(400, "Invalid timeout", str(exc)) from exc
