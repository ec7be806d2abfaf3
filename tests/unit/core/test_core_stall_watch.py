"""The stall detector: a partition with lag whose actor stays idle is reported, only after a while."""

from __future__ import annotations

from seojobs.pipeline.stall_watch import ActivityBoard, StallDetector

TP_A = ("t.requested.medium", 0)
TP_B = ("t.requested.medium", 1)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(stall_after_s: float = 30.0, quiet_s: float = 5.0) -> tuple[Clock, ActivityBoard, StallDetector]:
    clock = Clock()
    board = ActivityBoard(clock)
    return clock, board, StallDetector(board, stall_after_s, quiet_s, clock)


def test_idle_partition_with_lag_is_reported_only_after_the_whole_period() -> None:
    clock, _, detector = make()
    assert detector.observe([TP_A, TP_B], {TP_A: 3, TP_B: 0}) == []
    clock.now += 29
    assert detector.observe([TP_A, TP_B], {TP_A: 3, TP_B: 0}) == []
    clock.now += 1
    assert detector.observe([TP_A, TP_B], {TP_A: 3, TP_B: 0}) == [TP_A]


def test_a_busy_actor_is_never_stuck() -> None:
    clock, board, detector = make()
    board.begin(TP_A)  # e.g. a crawl that runs for minutes
    for _ in range(20):
        clock.now += 10
        assert detector.observe([TP_A], {TP_A: 50}) == []
    board.end(TP_A)
    clock.now += 10
    assert detector.observe([TP_A], {TP_A: 50}) == []  # starts counting now
    clock.now += 30
    assert detector.observe([TP_A], {TP_A: 50}) == [TP_A]


def test_recent_activity_between_messages_is_not_stuck() -> None:
    clock, board, detector = make()
    for _ in range(10):
        board.begin(TP_A)
        board.end(TP_A)  # idle at the moment of the reading, but moving
        clock.now += 4
        assert detector.observe([TP_A], {TP_A: 5}) == []


def test_one_good_reading_resets_the_period() -> None:
    clock, _, detector = make()
    detector.observe([TP_A], {TP_A: 1})
    clock.now += 20
    detector.observe([TP_A], {TP_A: 0})  # caught up
    clock.now += 20
    assert detector.observe([TP_A], {TP_A: 1}) == []
    clock.now += 30
    assert detector.observe([TP_A], {TP_A: 1}) == [TP_A]


def test_forget_and_revoked_partitions_restart_the_count() -> None:
    clock, _, detector = make()
    detector.observe([TP_A], {TP_A: 1})
    clock.now += 25
    detector.forget()  # the broker could not be asked
    clock.now += 10
    assert detector.observe([TP_A], {TP_A: 1}) == []
    clock.now += 25
    assert detector.observe([TP_B], {TP_A: 1}) == []  # TP_A no longer ours
    clock.now += 30
    assert detector.observe([TP_A], {TP_A: 1}) == []
