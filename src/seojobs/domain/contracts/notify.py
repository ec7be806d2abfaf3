"""The PostgreSQL NOTIFY payloads: which jobs changed (the projector's channel) and the outbox wake.

The outbox trigger's NOTIFY (migration 0002) carries an empty payload: it only wakes the relay.
"""

from __future__ import annotations

import uuid

from pydantic import Field, RootModel

#: The payload of the outbox channel's NOTIFY: nothing, a wake-up only.
OUTBOX_WAKE_PAYLOAD = ""


class JobsChanged(RootModel[list[uuid.UUID]]):
    """The projector's NOTIFY after a batch commits: a JSON list of the ids of the jobs it changed."""

    root: list[uuid.UUID] = Field(max_length=150)
