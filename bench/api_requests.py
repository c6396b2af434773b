"""Benchmark 1 — DynamoDB requests per ISV call, and latency, with 1,000 vs 20,000 stored orders.

For every endpoint: the number of DynamoDB requests one call makes (counted at botocore, by
operation; a Scan would show up by name) measured with a small table and again after growing it
20-fold, and the ratio of median latencies large/small in the same run. Equal counts and a
ratio near 1 mean the API path does O(1) database work whatever the table size.
"""
from __future__ import annotations

import uuid
from datetime import timedelta

from bench.harness import DynamoCounter, median_ms, timed

SMALL, LARGE = 1_000, 20_000
CALLS = 25


def seed_orders(count: int, start: int) -> None:
    """Store paid orders with their attempts directly (batch writes), as history would."""
    from chalicelib.clock import now
    from chalicelib.domain.orders import Attempt, AttemptState, Order, OrderState
    from chalicelib.store.models import AttemptModel, OrderModel
    from chalicelib.store.orders import _attempt_model, _order_model

    at = now()
    with OrderModel.batch_write() as orders, AttemptModel.batch_write() as attempts:
        for i in range(start, start + count):
            no = f"YTSEED{i:020d}"
            orders.save(_order_model(Order(
                partner_id="12345", payment_no=f"SEED{i}", biz_type="scan_pay", trade_fee=100,
                subject="历史订单", expire_at=at, status=OrderState.PAID, current_attempt=no,
                created_at=at, paid_attempt=no, paid_fee=100, refundable_fee=100, paid_at=at)))
            attempts.save(_attempt_model(Attempt(
                out_payment_no=no, partner_id="12345", payment_no=f"SEED{i}", channel="ali",
                product="ali_scan_code", mode="scan", trade_fee=100, status=AttemptState.PAID,
                created_at=at, expire_at=at, paid_at=at)))


def _scenarios(api):
    """Each endpoint once, with what it needs prepared outside the measured call."""
    from chalicelib.clock import now, to_wire

    exp = to_wire(now() + timedelta(minutes=30))

    def fresh():
        return uuid.uuid4().hex[:20]

    def paid_barcode():
        pno = fresh()
        api.ok("barcode", paymentNo=pno, authCode="134567890123450000", tradeFee="9.00",
               subject="押金", expireTime=exp)
        return pno

    def refunded():
        pno = paid_barcode()
        rno = fresh()
        api.ok("refund", paymentNo=pno, bizType="barcode_pay", requestNo=rno, refundNo="H",
               refundFee="1.00")
        return rno

    def waiting_scan():
        pno = fresh()
        api.ok("scancode", paymentNo=pno, channelProduct="ali_scan_code", tradeFee="1.00",
               subject="门诊", expireTime=exp)
        return pno

    return {
        "network": (lambda: None, lambda _: api.ok("network")),
        "scancode (new)": (fresh, lambda p: api.ok(
            "scancode", paymentNo=p, channelProduct="ali_scan_code", tradeFee="1.00",
            subject="门诊", expireTime=exp)),
        "scancode (repeat)": (waiting_scan, lambda p: api.ok(
            "scancode", paymentNo=p, channelProduct="ali_scan_code", tradeFee="1.00",
            subject="门诊", expireTime=exp)),
        "barcode": (fresh, lambda p: api.ok(
            "barcode", paymentNo=p, authCode="134567890123450000", tradeFee="9.00",
            subject="押金", expireTime=exp)),
        "query (paid)": (paid_barcode, lambda p: api.ok("query", bizType="barcode_pay",
                                                        paymentNo=p)),
        "refund": (paid_barcode, lambda p: api.ok(
            "refund", paymentNo=p, bizType="barcode_pay", requestNo=fresh(), refundNo="H",
            refundFee="1.00")),
        "refundQuery": (refunded, lambda r: api.ok("refundQuery", requestNo=r)),
        "close (waiting)": (waiting_scan, lambda p: api.ok("close", bizType="scan_pay",
                                                           paymentNo=p)),
    }


def check_transactions_stay_atomic() -> None:
    """The benchmark's moto patch must keep all-or-nothing: a failed transaction changes nothing."""
    from chalicelib.store.db import ConditionFailed, transaction
    from chalicelib.store.models import CounterModel

    CounterModel("atomic-a", hits=1).save()
    try:
        with transaction() as tw:
            tw.update(CounterModel("atomic-a"), actions=[CounterModel.hits.add(1)])
            tw.save(CounterModel("atomic-b", hits=1))
            tw.update(CounterModel("atomic-a-missing"), actions=[CounterModel.hits.add(1)],
                      condition=CounterModel.pk.exists())
    except ConditionFailed:
        pass
    assert CounterModel.get("atomic-a").hits == 1, "rolled-back update survived"
    assert CounterModel.count("atomic-b") == 0, "rolled-back put survived"


def warm_up(api) -> None:
    """First calls pay for imports, connections and caches: keep them out of the figures."""
    for prepare, call in _scenarios(api).values():
        for _ in range(3):
            call(prepare())


def measure(api, counter: DynamoCounter) -> dict[str, tuple[set[int], float, set[str]]]:
    results = {}
    for name, (prepare, call) in _scenarios(api).items():
        counts, times, ops = set(), [], set()
        for _ in range(CALLS):
            arg = prepare()
            with counter.measure() as m:
                elapsed, _ = timed(lambda: call(arg))
            counts.add(m["total"])
            ops |= set(m["ops"])
            times.append(elapsed)
        results[name] = (counts, median_ms(times), ops)
    return results


def run(api, counter: DynamoCounter) -> list[str]:
    check_transactions_stay_atomic()
    seed_orders(SMALL, 0)
    warm_up(api)
    small = measure(api, counter)
    seed_orders(LARGE - SMALL, SMALL)
    large = measure(api, counter)
    lines = [f"DynamoDB requests per ISV call, {SMALL:,} vs {LARGE:,} stored orders "
             f"({CALLS} calls each; latency = median; app and moto in-process)",
             f"{'endpoint':<20}{f'requests @{SMALL:,}':>16}{f'requests @{LARGE:,}':>17}"
             f"{'Scan':>6}{'latency ratio large/small':>27}"]
    for name in small:
        c1, t1, ops1 = small[name]
        c2, t2, ops2 = large[name]
        scans = "yes" if "Scan" in ops1 | ops2 else "no"
        fmt = lambda c: "/".join(str(x) for x in sorted(c))
        lines.append(f"{name:<20}{fmt(c1):>16}{fmt(c2):>17}{scans:>6}{t2 / t1:>27.2f}")
    return lines
