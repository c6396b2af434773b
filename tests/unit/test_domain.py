"""Pure domain decisions: no AWS, no HTTP."""
from datetime import datetime, timedelta

import pytest

from chalicelib.clock import CST
from chalicelib.domain.channels import channel_of_auth_code, rules_for
from chalicelib.domain.ids import new_out_payment_no, new_out_refund_no
from chalicelib.domain.orders import (
    Abnormal,
    Attempt,
    AttemptState,
    CreateAction,
    Order,
    OrderState,
    PaymentOutcome,
    PaymentRequest,
    classify_payment,
    decide_create,
)
from chalicelib.domain.refunds import check_refund
from chalicelib.errors import ChannelRuleError, ConflictError, OverRefundError, StateError

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=CST)


def order(**kw) -> Order:
    base = dict(partner_id="1", payment_no="P1", biz_type="scan_pay", trade_fee=1000,
                subject="门诊", expire_at=T0 + timedelta(minutes=30), status=OrderState.WAIT_PAY,
                current_attempt="YT1", created_at=T0)
    base.update(kw)
    return Order(**base)


def attempt(**kw) -> Attempt:
    base = dict(out_payment_no="YT1", partner_id="1", payment_no="P1", channel="ali",
                product="ali_scan_code", mode="scan", trade_fee=1000,
                status=AttemptState.WAIT_PAY, created_at=T0,
                expire_at=T0 + timedelta(minutes=30))
    base.update(kw)
    return Attempt(**base)


def request(**kw) -> PaymentRequest:
    base = dict(partner_id="1", payment_no="P1", biz_type="scan_pay", product="ali_scan_code",
                channel="ali", trade_fee=1000, subject="门诊",
                expire_at=T0 + timedelta(minutes=30))
    base.update(kw)
    return PaymentRequest(**base)


def test_first_payment_request_creates_an_order():
    assert decide_create(None, None, request()) is CreateAction.NEW_ORDER


def test_identical_scan_request_returns_the_waiting_attempt():
    assert decide_create(order(), attempt(), request()) is CreateAction.SAME_ATTEMPT


def test_another_channel_product_opens_a_new_attempt():
    assert decide_create(order(), attempt(), request(product="ten_scan_code", channel="ten")) \
        is CreateAction.NEW_ATTEMPT


@pytest.mark.parametrize("change", [{"trade_fee": 999}, {"subject": "住院"},
                                    {"biz_type": "barcode_pay"}])
def test_same_payment_no_with_other_content_conflicts(change):
    with pytest.raises(ConflictError):
        decide_create(order(), attempt(), request(**change))


@pytest.mark.parametrize("state", [OrderState.PAID, OrderState.CLOSED, OrderState.EXPIRED])
def test_paid_closed_or_expired_order_refuses_new_payment(state):
    with pytest.raises(StateError):
        decide_create(order(status=state), attempt(), request())


def test_waiting_barcode_is_never_charged_twice():
    o = order(biz_type="barcode_pay")
    a = attempt(mode="barcode", product="ali_bar_code")
    assert decide_create(o, a, request(biz_type="barcode_pay", product="ali_bar_code")) \
        is CreateAction.SAME_ATTEMPT


def test_failed_barcode_may_be_retried_with_a_new_attempt():
    o = order(biz_type="barcode_pay", status=OrderState.FAILED)
    a = attempt(mode="barcode", product="ali_bar_code", status=AttemptState.FAILED)
    assert decide_create(o, a, request(biz_type="barcode_pay", product="ali_bar_code")) \
        is CreateAction.NEW_ATTEMPT


def test_payment_of_the_waiting_attempt_pays_the_order():
    assert classify_payment(order(), attempt()) == (PaymentOutcome.ORDER_PAID, None)


def test_second_paid_attempt_is_a_duplicate_payment():
    o = order(status=OrderState.PAID, paid_attempt="YT0")
    assert classify_payment(o, attempt(out_payment_no="YT2")) == \
        (PaymentOutcome.ABNORMAL, Abnormal.DUPLICATE_PAYMENT)


def test_payment_after_close_and_after_expiry_are_abnormal():
    assert classify_payment(order(status=OrderState.CLOSED),
                            attempt(status=AttemptState.CLOSED))[1] is Abnormal.PAID_AFTER_CLOSE
    assert classify_payment(order(status=OrderState.EXPIRED),
                            attempt(status=AttemptState.EXPIRED))[1] is Abnormal.PAID_AFTER_EXPIRE


def test_repeated_success_of_a_paid_attempt_changes_nothing():
    assert classify_payment(order(status=OrderState.PAID),
                            attempt(status=AttemptState.PAID))[0] is PaymentOutcome.ALREADY


@pytest.mark.parametrize("code, channel", [
    ("134567890123456789", "ten"), ("101234567890123456", "ten"), ("161234567890123456", None),
    ("2812345678901234", "ali"), ("301234567890123456789012", "ali"), ("311234567890123456", None),
    ("6212345678901234567", "uni"), ("621234567890123456", None), ("abc", None),
])
def test_auth_code_prefix_chooses_the_channel(code, channel):
    assert channel_of_auth_code(code) == channel


def paid_order(**kw) -> Order:
    base = dict(status=OrderState.PAID, paid_attempt="YT1", paid_fee=1000, refundable_fee=1000,
                paid_at=T0)
    base.update(kw)
    return order(**base)


def test_refund_within_refundable_amount_passes():
    check_refund(paid_order(), 1000, rules_for("ali"), T0 + timedelta(days=1))


def test_refund_over_refundable_amount_is_refused():
    with pytest.raises(OverRefundError):
        check_refund(paid_order(refundable_fee=300), 301, rules_for("ali"), T0)


def test_refund_of_unpaid_order_is_refused():
    with pytest.raises(StateError):
        check_refund(order(), 1, rules_for("ali"), T0)


def test_refund_after_the_channel_window_is_refused_and_window_is_configurable():
    late = T0 + timedelta(days=91)
    with pytest.raises(ChannelRuleError):
        check_refund(paid_order(), 1, rules_for("ali"), late)
    check_refund(paid_order(), 1, rules_for("ali", {"ali": 180}), late)
    check_refund(paid_order(), 1, rules_for("ten"), late)


def test_wechat_allows_at_most_fifty_partial_refunds():
    with pytest.raises(ChannelRuleError):
        check_refund(paid_order(refund_count=50), 1, rules_for("ten"), T0)
    check_refund(paid_order(refund_count=50), 1, rules_for("uni"), T0)


def test_serials_have_prefix_time_and_fit_32_chars():
    p, r = new_out_payment_no(T0), new_out_refund_no(T0)
    assert p.startswith("YT261123100000") and len(p) <= 32
    assert r.startswith("YTR261123100000") and len(r) <= 32
    assert len({new_out_payment_no(T0) for _ in range(1000)}) == 1000
