"""The PostgreSQL NOTIFY payloads: which jobs changed (the projector's channel) and the outbox wake.

The outbox trigger's NOTIFY (migration 0002) carries an empty payload: it only wakes the relay.
"""

from __future__ import annotations

import uuid

from pydantic import Field, RootModel

#: Most job ids in one NOTIFY: 150 quoted UUIDs are about 5,900 bytes, below PostgreSQL's 8,000.
MAX_IDS_PER_NOTIFY = 150


class JobsChanged(RootModel[list[uuid.UUID]]):
    """The projector's NOTIFY after a batch commits: a JSON list of the ids of the jobs it changed."""

    root: list[uuid.UUID] = Field(max_length=MAX_IDS_PER_NOTIFY)
