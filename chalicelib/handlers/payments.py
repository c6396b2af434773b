"""ISV payment endpoints: network, scancode, barcode, query, close (SPEC §2.3)."""
from __future__ import annotations

from datetime import timedelta

from ..channels.gateway import ChannelDown, PayState
from ..channels.registry import gateway
from ..clock import to_wire
from ..config import settings
from ..domain.channels import BARCODE_PRODUCTS, SCAN_PRODUCTS, channel_of_auth_code
from ..domain.ids import new_out_payment_no
from ..domain.orders import (
    Attempt,
    AttemptState,
    CreateAction,
    Order,
    OrderState,
    PaymentRequest,
    decide_create,
)
from ..errors import ChannelUnavailableError, NotFoundError, ParamError, StateError
from ..logs import log, mask
from ..store import orders as order_store
from ..store import outbox
from . import settlement
from .context import CallContext
from .wire import attempt_fields, query_data
from .isv_contract import (
    BarCodeData,
    BarCodeRequest,
    CloseData,
    CloseRequest,
    NetworkData,
    NetworkRequest,
    NotifyItem,
    NotifyListData,
    NotifyListRequest,
    QueryData,
    QueryRequest,
    ScanCodeData,
    ScanCodeRequest,
)


def network(ctx: CallContext, req: NetworkRequest) -> NetworkData:
    return NetworkData(field=settings().platform_name)


def _check_expire(ctx: CallContext, req) -> None:
    if req.expireTime <= ctx.now:
        raise ParamError("参数 expireTime 错误：必须晚于当前时间")
    if req.expireTime > ctx.now + timedelta(seconds=settings().max_expire_s):
        raise ParamError(f"参数 expireTime 错误：最多 {settings().max_expire_s // 60} 分钟后")


def _payment_request(ctx: CallContext, req, biz_type: str, channel: str,
                     product: str) -> PaymentRequest:
    return PaymentRequest(
        partner_id=ctx.merchant.partner_id, payment_no=req.paymentNo, biz_type=biz_type,
        product=product, channel=channel, trade_fee=req.tradeFee, subject=req.subject,
        expire_at=req.expireTime, district_id=req.districtId, source_type=req.sourceType,
        biz_data=req.bizData, notify_url=req.notify_url,
        auth_code=getattr(req, "authCode", None))


def _new_order(p: PaymentRequest, ctx: CallContext, attempt_no: str) -> Order:
    return Order(
        partner_id=p.partner_id, payment_no=p.payment_no, biz_type=p.biz_type,
        trade_fee=p.trade_fee, subject=p.subject, expire_at=p.expire_at,
        status=OrderState.WAIT_PAY, current_attempt=attempt_no, created_at=ctx.now,
        district_id=p.district_id, source_type=p.source_type, biz_data=p.biz_data,
        notify_url=p.notify_url, isv_id=ctx.isv.isv_id)


def _new_attempt(p: PaymentRequest, ctx: CallContext, mode: str,
                 pay_url: str | None = None, out_payment_no: str | None = None) -> Attempt:
    return Attempt(
        out_payment_no=out_payment_no or new_out_payment_no(ctx.now),
        partner_id=p.partner_id, payment_no=p.payment_no, channel=p.channel, product=p.product,
        mode=mode, trade_fee=p.trade_fee, status=AttemptState.WAIT_PAY, created_at=ctx.now,
        expire_at=p.expire_at, pay_url=pay_url, auth_code_mask=mask(p.auth_code))


def _load(partner_id: str, payment_no: str) -> tuple[Order | None, Attempt | None]:
    order = order_store.get_order(partner_id, payment_no)
    current = None
    if order is not None:
        key = order.paid_attempt or order.current_attempt
        current = order_store.get_attempt(key) if key else None
    return order, current


def _retire(order: Order, old: Attempt | None, ctx: CallContext) -> None:
    """Close the previous waiting attempt at its channel before another one is opened."""
    if old is None or old.status is not AttemptState.WAIT_PAY:
        return
    gw = gateway(old.channel)
    try:
        result = gw.close(old.out_payment_no) if old.mode == "scan" else \
            gw.reverse(old.out_payment_no)
    except ChannelDown:
        result = None
    if result is not None and result.state is PayState.SUCCESS:
        settlement.record_payment(order, old, result.in_payment_no, result.paid_at or ctx.now)
        raise StateError("订单已支付")
    order_store.end_attempt(old, AttemptState.CLOSED, end_order=False)


def _account(ctx: CallContext, channel: str) -> str:
    return ctx.merchant.channel_accounts.get(channel) or ctx.merchant.partner_id


# ---------------------------------------------------------------- scancode
def _scan_data(order: Order, attempt: Attempt) -> ScanCodeData:
    return ScanCodeData(**attempt_fields(order, attempt), payUrl=attempt.pay_url)


def scancode(ctx: CallContext, req: ScanCodeRequest) -> ScanCodeData:
    _check_expire(ctx, req)
    channel = SCAN_PRODUCTS[req.channelProduct]
    p = _payment_request(ctx, req, "scan_pay", channel, req.channelProduct)
    for _ in range(3):   # lost a race with an identical request: decide again on fresh data
        order, current = _load(p.partner_id, p.payment_no)
        action = decide_create(order, current, p)
        if action is CreateAction.SAME_ATTEMPT:
            return _scan_data(order, current)
        if action is CreateAction.NEW_ATTEMPT:
            _retire(order, current, ctx)
        # Pre-creating a QR code moves no money, so the channel goes first: when it is down,
        # nothing at all is written and the ISV may simply retry (3001).
        out_payment_no = new_out_payment_no(ctx.now)
        try:
            result = gateway(channel).pay_scan(out_payment_no, _account(ctx, channel),
                                               p.trade_fee, p.subject, p.expire_at)
        except ChannelDown:
            raise ChannelUnavailableError("支付渠道暂不可用，请稍后重试") from None
        if result.state is not PayState.WAITING or not result.pay_url:
            raise ChannelUnavailableError("支付渠道下单未成功，请稍后重试")
        attempt = _new_attempt(p, ctx, "scan", result.pay_url, out_payment_no)
        try:
            if action is CreateAction.NEW_ORDER:
                order_store.create_order(_new_order(p, ctx, out_payment_no), attempt)
            else:
                order_store.add_attempt(order, attempt)
        except order_store.AlreadyExists:
            _best_effort_close(attempt)
            continue
        log("scancode.created", partnerId=p.partner_id, paymentNo=p.payment_no,
            outPaymentNo=out_payment_no, product=p.product, fee=p.trade_fee)
        return _scan_data(order or _new_order(p, ctx, out_payment_no), attempt)
    raise StateError("订单正在被并发修改，请稍后重试")


def _best_effort_close(attempt: Attempt) -> None:
    try:
        gateway(attempt.channel).close(attempt.out_payment_no)
    except ChannelDown:
        pass


# ---------------------------------------------------------------- barcode
def _bar_data(order: Order, attempt: Attempt) -> BarCodeData:
    return BarCodeData(**attempt_fields(order, attempt))


def barcode(ctx: CallContext, req: BarCodeRequest) -> BarCodeData:
    channel = channel_of_auth_code(req.authCode)
    if channel is None:
        raise ParamError("参数 authCode 错误：无法识别的付款码")
    _check_expire(ctx, req)
    p = _payment_request(ctx, req, "barcode_pay", channel, BARCODE_PRODUCTS[channel])
    for _ in range(3):
        order, current = _load(p.partner_id, p.payment_no)
        action = decide_create(order, current, p)
        if action is CreateAction.SAME_ATTEMPT:
            snap = _maybe_sync(order, current, ctx)
            return _bar_data(snap.order, snap.attempt)
        # Money moves at the channel on this call, so the attempt is written first: whatever
        # the channel does next, the platform knows the outPaymentNo and can query it.
        attempt = _new_attempt(p, ctx, "barcode")
        try:
            if action is CreateAction.NEW_ORDER:
                order = _new_order(p, ctx, attempt.out_payment_no)
                order_store.create_order(order, attempt)
            else:
                order_store.add_attempt(order, attempt)
                order = order_store.get_order(p.partner_id, p.payment_no)
        except order_store.AlreadyExists:
            continue
        try:
            result = gateway(channel).pay_barcode(attempt.out_payment_no, _account(ctx, channel),
                                                  p.trade_fee, p.subject, req.authCode)
        except ChannelDown:
            order_store.fail_attempt(attempt, "支付渠道不可用", fail_order=True)
            raise ChannelUnavailableError("支付渠道暂不可用，请稍后重试") from None
        log("barcode.sent", partnerId=p.partner_id, paymentNo=p.payment_no,
            outPaymentNo=attempt.out_payment_no, authCode=mask(req.authCode),
            channelState=result.state.value)
        # A timeout (UNKNOWN) leaves the attempt waiting: query and expiry find the truth.
        snap = settlement.apply_pay_result(order, attempt, result, ctx.now)
        return _bar_data(snap.order, snap.attempt)
    raise StateError("订单正在被并发修改，请稍后重试")


# ---------------------------------------------------------------- query
def _maybe_sync(order: Order, attempt: Attempt, ctx: CallContext) -> settlement.Snapshot:
    if order.status is OrderState.WAIT_PAY and attempt.status is AttemptState.WAIT_PAY:
        last = attempt.last_sync_at or attempt.created_at
        if ctx.now - last >= timedelta(seconds=settings().query_sync_interval_s):
            return settlement.sync_attempt(order, attempt, ctx.now)
    return settlement.Snapshot(order, attempt)


def query(ctx: CallContext, req: QueryRequest) -> QueryData:
    order, attempt = _load(ctx.merchant.partner_id, req.paymentNo)
    if order is None or attempt is None:
        raise NotFoundError("订单不存在")
    snap = _maybe_sync(order, attempt, ctx)
    return query_data(snap.order, snap.attempt)


# ---------------------------------------------------------------- close
def close(ctx: CallContext, req: CloseRequest) -> tuple[CloseData, str]:
    order, attempt = _load(ctx.merchant.partner_id, req.paymentNo)
    if order is None:
        raise NotFoundError("订单不存在")

    def answer(o: Order, a: Attempt | None, closed: bool) -> tuple[CloseData, str]:
        data = CloseData(outPaymentNo=a.out_payment_no if a else None,
                         inPaymentNo=a.in_payment_no if a else None, paymentNo=o.payment_no,
                         isCloseOrder="Y" if closed else "N")
        return data, "" if closed else "订单已支付，不能关闭，请发起退款"

    if order.status is OrderState.PAID:
        return answer(order, attempt, False)
    if order.status in (OrderState.CLOSED, OrderState.EXPIRED):
        return answer(order, attempt, True)
    if attempt is not None and attempt.status is AttemptState.WAIT_PAY:
        gw = gateway(attempt.channel)
        try:
            result = gw.close(attempt.out_payment_no) if attempt.mode == "scan" else \
                gw.reverse(attempt.out_payment_no)
        except ChannelDown:
            result = None   # unknown at the channel: still closed here (SPEC §2.3)
        if result is not None and result.state is PayState.SUCCESS:
            snap = settlement.apply_pay_result(order, attempt, result, ctx.now)
            return answer(snap.order, snap.attempt, snap.order.status is not OrderState.PAID)
        order_store.end_attempt(attempt, AttemptState.CLOSED, end_order=True)
    else:
        order_store.close_order_only(order, OrderState.CLOSED)
    fresh, attempt = _load(order.partner_id, order.payment_no)
    log("order.closed", partnerId=order.partner_id, paymentNo=order.payment_no,
        state=fresh.status.value)
    return answer(fresh, attempt, fresh.status is not OrderState.PAID)


# ---------------------------------------------------------------- notifyList (extension)
def notify_list(ctx: CallContext, req: NotifyListRequest) -> NotifyListData:
    """The merchant's notifications in order, with delivery state: a business service that was
    down can catch up by pulling instead of waiting for retries (SPEC §4)."""
    items = outbox.list_for_partner(ctx.merchant.partner_id, req.sinceNotifyId, req.limit)
    return NotifyListData(notifications=[NotifyItem(
        notifyId=n.notify_id, notifyType=n.kind, state=n.state, attempts=n.attempts,
        createdAt=to_wire(n.created_at), deliveredAt=to_wire(n.delivered_at),
        data={k: v for k, v in n.payload.items() if k not in ("notifyId", "notifyType")})
        for n in items])
