"""The projector's NOTIFY payloads: job ids as JSON lists, chunked under PostgreSQL's 8000 bytes."""

from __future__ import annotations

import uuid

import pytest

from seojobs.pipeline.job_changes import NOTIFY_CHUNK, chunk_payloads, parse_job_ids

#: PostgreSQL refuses NOTIFY payloads of this many bytes or more.
PG_NOTIFY_LIMIT = 8000


@pytest.mark.parametrize("count", [0, 1, NOTIFY_CHUNK, NOTIFY_CHUNK + 1, 1000])
def test_payloads_cover_every_id_once_and_stay_under_the_limit(count: int) -> None:
    ids = [str(uuid.uuid4()) for _ in range(count)]
    payloads = chunk_payloads(ids + ids[: count // 2])  # duplicates collapse
    assert all(len(p.encode()) < PG_NOTIFY_LIMIT for p in payloads)
    assert len(payloads) == -(-count // NOTIFY_CHUNK)
    parsed = [parse_job_ids(p) for p in payloads]
    assert set().union(*parsed) == {uuid.UUID(i) for i in ids}
    assert sum(len(p) for p in parsed) == count


@pytest.mark.parametrize("payload", ["", "not json", '{"a": 1}', '["nope", 3]'])
def test_unparseable_payloads_name_no_job(payload: str) -> None:
    assert parse_job_ids(payload) == set()


def test_valid_ids_survive_beside_invalid_ones() -> None:
    job = uuid.uuid4()
    assert parse_job_ids(f'["x", "{job}"]') == {job}
