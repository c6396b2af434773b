"""Pure rules of notifications, risk control, access and refunds polling."""
from datetime import datetime, timedelta

import pytest

from chalicelib.clock import CST
from chalicelib.domain.abnormal import AbnormalType, auto_refund_failed_reason
from chalicelib.domain.access import Perm, User, needs_second_person
from chalicelib.domain.notifications import RETRY_DELAYS, delivered, next_attempt, notify_id
from chalicelib.domain.refunds import next_poll
from chalicelib.domain.risk import DAY, RiskRule, hold_reason

T0 = datetime(2026, 11, 23, 23, 59, 30, tzinfo=CST)


def test_retry_schedule_is_the_spec_schedule_of_about_a_day():
    assert [int(d.total_seconds()) for d in RETRY_DELAYS] == [
        15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600]
    assert timedelta(hours=23) < sum(RETRY_DELAYS, timedelta()) < timedelta(hours=25)
    assert next_attempt(1, T0) == T0 + timedelta(seconds=15)
    assert next_attempt(15, T0) == T0 + timedelta(hours=6)
    assert next_attempt(16, T0) is None


@pytest.mark.parametrize("status, body, ok", [
    (200, "success", True), (200, " SUCCESS\n", True), (204, '{"result":true}', True),
    (200, '{"result":false}', False), (200, "ok", False), (500, "success", False),
    (200, "", False), (302, "success", False),
])
def test_only_2xx_with_success_or_result_true_counts_as_delivered(status, body, ok):
    assert delivered(status, body) is ok


def test_notify_ids_sort_by_time():
    assert notify_id(T0, "pay#A") < notify_id(T0 + timedelta(milliseconds=1), "pay#B")
    assert notify_id(T0, "pay#A") == notify_id(T0, "pay#A")


def test_risk_windows_are_fixed_minute_buckets_and_cst_days():
    minute = RiskRule(window_minutes=10, max_count=3)
    assert minute.bucket(T0)[0] == minute.bucket(T0 - timedelta(minutes=5, seconds=30))[0]
    assert minute.bucket(T0)[0] != minute.bucket(T0 + timedelta(seconds=31))[0]
    day = RiskRule(window_minutes=DAY, max_amount=100)
    assert day.bucket(T0)[0] == "D20261123"
    assert day.bucket(T0 + timedelta(seconds=31))[0] == "D20261124"   # CST midnight


def test_hold_reasons_follow_the_seed_wording():
    assert hold_reason(RiskRule(DAY, max_amount=1), count_exceeded=False) == \
        "单位天内退款总额超限，该笔退款订单已进入风控"
    assert hold_reason(RiskRule(5, max_count=1), count_exceeded=True) == \
        "单位分钟内退款笔数超限，该笔退款订单已进入风控"
    assert auto_refund_failed_reason(AbnormalType.DUPLICATE_PAYMENT) == \
        "[订单已支付], 自动退款校验失败"


def test_roles_and_merchant_scope():
    viewer = User("v", "viewer", frozenset())
    operator_a = User("a", "operator", frozenset({"1"}))
    assert viewer.can(Perm.READ) and not viewer.can(Perm.MONEY)
    assert operator_a.can(Perm.MONEY) and not operator_a.can(Perm.CONFIG)
    assert operator_a.sees("1") and not operator_a.sees("2")
    assert operator_a.scope("2") == [] and operator_a.scope(None) == ["1"]
    assert viewer.scope(None) is None
    assert not User("x", "admin", frozenset(), enabled=False).can(Perm.READ)


def test_maker_checker_threshold_is_strictly_above():
    assert not needs_second_person(100000, 100000) and needs_second_person(100001, 100000)


def test_refund_polls_back_off_to_hourly():
    assert next_poll(0, T0) == T0 + timedelta(seconds=10)
    assert next_poll(100, T0) == T0 + timedelta(hours=1)
