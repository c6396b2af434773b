"""Benchmark 2 — the refund poller and the notification dispatcher on 10,000 due items per run.

Each job runs once over 10,000 due items, first with a small number of settled items in the
tables, then with ten times as many. Reported per run: items found, items/s, DynamoDB requests
per item. The work found comes from sparse indexes, so it must not grow with settled items;
the ratio large/small of items/s shows whether the run slows down as history accumulates.
Channel answers and the business service are in-process fakes that always succeed, so the
figures are the platform's own work (the HTTP round trips to real channels are not in them).
"""
from __future__ import annotations

import json
import time
from datetime import timedelta

from bench.harness import DynamoCounter

DUE = 10_000
SETTLED_SMALL, SETTLED_LARGE = 2_000, 20_000


class _AlwaysSucceeds:
    """A channel that says every refund succeeded."""

    channel = "ali"

    def refund_query(self, out_refund_no):
        from chalicelib.channels.gateway import RefundOutcome, RefundResult

        return RefundResult(RefundOutcome.SUCCESS, "R-BENCH")


def _seed(kind: str, count: int, start: int, due: bool) -> None:
    from chalicelib.clock import now
    from chalicelib.store.models import NotificationModel, OrderModel, RefundModel
    from chalicelib.store.shards import shard_of

    at = now() - timedelta(minutes=5)
    if kind == "notifications":
        with NotificationModel.batch_write() as batch:
            for i in range(start, start + count):
                pk = f"pay#YTB{i:020d}"
                batch.save(NotificationModel(
                    pk, notify_id=f"N{i:025d}", partner_id="12345", isv_id="20000",
                    kind="pay", url="http://hospital.invalid/notify",
                    payload=json.dumps({"paymentNo": f"B{i}", "tradeFee": "1.00"}),
                    state="PENDING" if due else "DELIVERED", attempts=0 if due else 1,
                    due_shard=shard_of(pk) if due else None, next_at=at if due else None,
                    created_at=at))
        return
    with OrderModel.batch_write() as orders, RefundModel.batch_write() as refunds:
        for i in range(start, start + count):
            out_no, rno = f"YTB{i:020d}", f"YTRB{i:020d}"
            orders.save(OrderModel(
                f"12345#B{i}", partner_id="12345", payment_no=f"B{i}", biz_type="scan_pay",
                trade_fee=100, subject="基准", expire_at=at, status="PAID",
                current_attempt=out_no, paid_attempt=out_no, paid_fee=100, refundable_fee=0,
                refunded_fee=0 if due else 100, refund_count=1, paid_at=at, created_at=at))
            refunds.save(RefundModel(
                f"12345#RB{i}", partner_id="12345", request_no=f"RB{i}", out_refund_no=rno,
                order_pk=f"12345#B{i}", payment_no=f"B{i}", out_payment_no=out_no,
                channel="ali", product="ali_scan_code", refund_fee=100, refund_no=f"H{i}",
                status="PROCESSING" if due else "SUCCESS", created_at=at, target="order",
                origin="bench", pending_shard=shard_of(rno) if due else None,
                next_poll_at=at if due else None))


def _run(job, counter: DynamoCounter) -> tuple[int, float, float]:
    from chalicelib.clock import now

    with counter.measure() as m:
        t0 = time.perf_counter()
        report = job(now())
        elapsed = time.perf_counter() - t0
    return report.seen, report.seen / elapsed, m["total"] / max(report.seen, 1)


def run(counter: DynamoCounter) -> list[str]:
    from chalicelib.channels import registry
    from chalicelib.handlers import jobs

    registry._gateways["ali"] = _AlwaysSucceeds()
    post_ok = lambda url, body: (200, "success")   # noqa: E731
    dispatcher = lambda at: jobs.dispatch_notifications(at, limit=DUE, post=post_ok)  # noqa
    poller = lambda at: jobs.poll_refunds(at, limit=DUE)   # noqa: E731
    rows = []
    for name, kind, job in (("notification dispatcher", "notifications", dispatcher),
                            ("refund poller", "refunds", poller)):
        results = []
        settled_so_far = 0
        for settled in (SETTLED_SMALL, SETTLED_LARGE):
            _seed(kind, settled - settled_so_far, 1_000_000 + settled_so_far, due=False)
            settled_so_far = settled
            _seed(kind, DUE, len(results) * DUE, due=True)
            results.append((settled, *_run(job, counter)))
        rows.append((name, results))
    lines = [f"Scheduled jobs: one run over {DUE:,} due items, with {SETTLED_SMALL:,} and then "
             f"{SETTLED_LARGE:,} settled items in the table",
             f"{'job':<25}{'settled':>9}{'found':>8}{'items/s':>10}{'requests/item':>15}"]
    for name, results in rows:
        for settled, found, rate, per_item in results:
            lines.append(f"{name:<25}{settled:>9,}{found:>8,}{rate:>10.0f}{per_item:>15.2f}")
        (_, f1, r1, p1), (_, f2, r2, p2) = results
        lines.append(f"{'':<25}{'ratio 10x/1x':>17}{f2 / f1:>8.2f}{r2 / r1:>10.2f}"
                     f"{p2 / p1:>15.2f}")
    return lines
