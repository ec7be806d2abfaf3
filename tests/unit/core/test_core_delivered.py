"""Waiting for acknowledgements: settled ones pass, a failed one raises, a lost one times out."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.errors import KafkaTimeoutError, NotLeaderForPartitionError

from seojobs.pipeline.emitter import delivered


async def test_settled_deliveries_pass() -> None:
    loop = asyncio.get_running_loop()
    done = [loop.create_future() for _ in range(3)]
    for fut in done:
        fut.set_result("ok")
    await delivered(done, timeout_s=0.1)
    await delivered([], timeout_s=0.1)


async def test_a_failed_delivery_raises_its_error() -> None:
    loop = asyncio.get_running_loop()
    ok, bad = loop.create_future(), loop.create_future()
    ok.set_result("ok")
    bad.set_exception(NotLeaderForPartitionError())
    with pytest.raises(NotLeaderForPartitionError):
        await delivered([ok, bad], timeout_s=0.1)


async def test_a_delivery_never_settled_times_out_as_a_kafka_error() -> None:
    lost: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    with pytest.raises(KafkaTimeoutError, match="1 deliveries"):
        await delivered([lost], timeout_s=0.05)
