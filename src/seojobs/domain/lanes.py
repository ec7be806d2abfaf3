"""Priority lanes: Kafka has no priorities, so each band of priorities gets its own topic."""

from __future__ import annotations

from enum import StrEnum

from seojobs.domain.errors import ValidationFailed
from seojobs.domain.jobs import MAX_PRIORITY, MIN_PRIORITY


class Lane(StrEnum):
    """A band of priorities with a topic of its own, highest first."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


#: Lanes in the order a consumer prefers them.
LANES_BY_PREFERENCE: tuple[Lane, ...] = (Lane.HIGH, Lane.MEDIUM, Lane.LOW)

#: Lowest priority of each band (high 8-10, medium 4-7, low 0-3).
HIGH_FLOOR, MEDIUM_FLOOR = 8, 4


def check_priority(priority: int) -> int:
    """Return the priority, or raise when it is outside 0..10."""
    if not MIN_PRIORITY <= priority <= MAX_PRIORITY:
        raise ValidationFailed(
            f"priority must be between {MIN_PRIORITY} and {MAX_PRIORITY}, got {priority}",
            field="priority",
        )
    return priority


def lane_of(priority: int) -> Lane:
    """The lane a job of this priority travels in."""
    check_priority(priority)
    if priority >= HIGH_FLOOR:
        return Lane.HIGH
    if priority >= MEDIUM_FLOOR:
        return Lane.MEDIUM
    return Lane.LOW


#: The priorities of each lane, lowest and highest.
LANE_RANGES: dict[Lane, tuple[int, int]] = {
    Lane.HIGH: (HIGH_FLOOR, MAX_PRIORITY),
    Lane.MEDIUM: (MEDIUM_FLOOR, HIGH_FLOOR - 1),
    Lane.LOW: (MIN_PRIORITY, MEDIUM_FLOOR - 1),
}
