"""UPP Chalice application: wiring only. Routes and schedules call into chalicelib.handlers."""
from chalice import Chalice, Rate, Response

from chalicelib.clock import now
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
