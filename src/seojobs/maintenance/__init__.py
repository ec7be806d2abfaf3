"""Maintenance jobs (cleanup, usage reset, metrics sync) and their schedule."""

from __future__ import annotations

from seojobs.maintenance.handlers import DEFAULT_BATCH_SIZE, MaintenanceHandlers
from seojobs.maintenance.scheduler import MaintenanceScheduler
from seojobs.maintenance.slots import claim_slot_and_enqueue

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "MaintenanceHandlers",
    "MaintenanceScheduler",
    "claim_slot_and_enqueue",
]
