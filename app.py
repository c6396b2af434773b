"""UPP Chalice application: wiring only. Routes and schedules call into chalicelib.handlers."""
from chalice import Chalice, Rate, Response

from chalicelib.clock import now
from chalicelib.config import settings
from chalicelib.handlers import admin_api as ops
from chalicelib.handlers import channel_notify, isv_api, jobs

app = Chalice(app_name="upp")

# Accept any body type: a wrong Content-Type is answered in the envelope, not with a 415.
_ANY_BODY = ["application/json", "text/plain", "application/octet-stream",
             "application/x-www-form-urlencoded", "multipart/form-data"]
_JSON = {"Content-Type": "application/json; charset=UTF-8"}


@app.route("/access/{name}", methods=["POST"], content_types=_ANY_BODY)
def isv_call(name):
    body = isv_api.handle(name, app.current_request.raw_body)
    return Response(body=body, status_code=200, headers=_JSON)


@app.route("/notify/{channel}", methods=["POST"], content_types=_ANY_BODY)
def channel_callback(channel):
    request = app.current_request
    status, text = channel_notify.handle(channel, request.raw_body, dict(request.headers))
    return Response(body=text, status_code=status, headers={"Content-Type": "text/plain"})


@app.route("/openapi.json", methods=["GET"])
def openapi_document():
    from chalicelib.handlers.openapi import document

    return document()


@app.route("/health", methods=["GET"])
def health():
    return {"status": "ok"}


# ---------------------------------------------------------------- scheduled functions
# EventBridge in AWS; the local stack's scheduler calls these same functions with the same
# event shape. Tests call chalicelib.handlers.jobs directly with an injected clock.
@app.schedule(Rate(1, unit=Rate.MINUTES), name="sync-orders")
def sync_orders_job(event):
    return jobs.sync_orders(now()).details


@app.schedule(Rate(1, unit=Rate.MINUTES), name="poll-refunds")
def poll_refunds_job(event):
    return jobs.poll_refunds(now()).details


@app.schedule(Rate(1, unit=Rate.MINUTES), name="dispatch-notifications")
def dispatch_notifications_job(event):
    return jobs.dispatch_notifications(now()).details


@app.schedule(Rate(5, unit=Rate.MINUTES), name="auto-refund")
def auto_refund_job(event):
    return jobs.auto_refund(now()).details


# ---------------------------------------------------------------- operations API (/admin/api)
def _ops(fn, public=False):
    request = app.current_request
    status, body = ops.run(fn, dict(request.headers), public=public)
    return Response(body=body, status_code=status, headers=_JSON)


def _raw():
    return app.current_request.raw_body


def _query():
    return dict(app.current_request.query_params or {})


@app.route("/admin/api/login", methods=["POST"], content_types=_ANY_BODY)
def ops_login():
    body = _raw()
    return _ops(lambda at: ops.login(body, at), public=True)


@app.route("/admin/api/logout", methods=["POST"], content_types=_ANY_BODY)
def ops_logout():
    headers = dict(app.current_request.headers)
    return _ops(lambda user, at: ops.logout(user, headers, at))


@app.route("/admin/api/me", methods=["GET"])
def ops_me():
    return _ops(lambda user, at: ops.me(user))


@app.route("/admin/api/otp", methods=["POST"], content_types=_ANY_BODY)
def ops_otp():
    body = _raw()
    return _ops(lambda user, at: ops.request_otp(user, body, at))


@app.route("/admin/api/orders", methods=["GET"])
def ops_orders():
    q = _query()
    return _ops(lambda user, at: ops.search_orders(user, q))


@app.route("/admin/api/orders/{partner_id}/{payment_no}", methods=["GET"])
def ops_order(partner_id, payment_no):
    return _ops(lambda user, at: ops.order_detail(user, partner_id, payment_no))


@app.route("/admin/api/abnormal", methods=["GET"])
def ops_abnormal_list():
    q = _query()
    return _ops(lambda user, at: ops.list_abnormal(user, q))


@app.route("/admin/api/abnormal/{abnormal_id}/handle", methods=["POST"],
           content_types=_ANY_BODY)
def ops_abnormal_handle(abnormal_id):
    body = _raw()
    return _ops(lambda user, at: ops.handle_abnormal(user, abnormal_id, body, at))


@app.route("/admin/api/refunds", methods=["POST"], content_types=_ANY_BODY)
def ops_refund():
    body = _raw()
    return _ops(lambda user, at: ops.self_service_refund(user, body, at))


@app.route("/admin/api/refunds/{partner_id}/{request_no}/release", methods=["POST"],
           content_types=_ANY_BODY)
def ops_release(partner_id, request_no):
    body = _raw()
    return _ops(lambda user, at: ops.release_refund(user, partner_id, request_no, body, at))


@app.route("/admin/api/proposals/{proposal_id}/{decision}", methods=["POST"],
           content_types=_ANY_BODY)
def ops_decide(proposal_id, decision):
    body = _raw()
    if decision not in ("approve", "reject"):
        return Response(body={"error": "不存在"}, status_code=404, headers=_JSON)
    return _ops(lambda user, at: ops.decide_proposal(user, proposal_id, decision == "approve",
                                                     body, at))


@app.route("/admin/api/notifications/{partner_id}/{notify_id}/resend", methods=["POST"],
           content_types=_ANY_BODY)
def ops_resend(partner_id, notify_id):
    return _ops(lambda user, at: ops.resend_notification(user, partner_id, notify_id, at))


@app.route("/admin/api/merchants/{partner_id}", methods=["GET", "PUT"],
           content_types=_ANY_BODY)
def ops_merchant(partner_id):
    if app.current_request.method == "GET":
        return _ops(lambda user, at: ops.get_merchant_config(user, partner_id))
    body = _raw()
    return _ops(lambda user, at: ops.update_merchant(user, partner_id, body, at))


@app.route("/admin/api/merchants", methods=["POST"], content_types=_ANY_BODY)
def ops_merchant_create():
    body = _raw()
    return _ops(lambda user, at: ops.create_merchant(user, body, at))


@app.route("/admin/api/isvs/{isv_id}", methods=["GET", "PUT"], content_types=_ANY_BODY)
def ops_isv(isv_id):
    if app.current_request.method == "GET":
        return _ops(lambda user, at: ops.get_isv_config(user, isv_id))
    body = _raw()
    return _ops(lambda user, at: ops.upsert_isv(user, isv_id, body, at))


@app.route("/admin/api/users", methods=["POST"], content_types=_ANY_BODY)
def ops_user_create():
    body = _raw()
    return _ops(lambda user, at: ops.create_user(user, body, at))


@app.route("/admin/api/isvs/{isv_id}/rotate-key", methods=["POST"], content_types=_ANY_BODY)
def ops_rotate(isv_id):
    return _ops(lambda user, at: ops.rotate_isv_key(user, isv_id, at))


@app.route("/admin/api/audit", methods=["GET"])
def ops_audit():
    q = _query()
    return _ops(lambda user, at: ops.audit_log(user, q))


@app.route("/admin/dev/inbox", methods=["GET"])
def ops_dev_inbox():
    return _ops(lambda at: ops.dev_inbox(settings().stage), public=True)
