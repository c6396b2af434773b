"""Whatever a signed caller sends, the answer is an envelope with a known kind — never 9999,
never a 5xx — and a rejected request writes nothing."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.handlers import isv_api
from chalicelib.signing import dumps, parse_json
from tests.integration.conftest import expire_in

FIELDS = ["paymentNo", "channelProduct", "expireTime", "tradeFee", "subject", "authCode",
          "bizType", "requestNo", "refundNo", "refundFee", "bizData", "expandData",
          "districtId", "sourceType", "sinceNotifyId", "limit"]
values = (st.none() | st.booleans() | st.integers(-10**20, 10**20)
          | st.decimals(allow_nan=False, allow_infinity=False, places=3)
          | st.text(max_size=300) | st.lists(st.integers(), max_size=3)
          | st.dictionaries(st.text(max_size=5), st.integers(), max_size=2)
          | st.sampled_from(["ali_scan_code", "scan_pay", "1.00", "0.01", expire_in(),
                             "134567890123450000", "门诊", "{}", "P1", "R1"]))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(endpoint=st.sampled_from(sorted(isv_api.ENDPOINTS)),
       fields=st.dictionaries(st.sampled_from(FIELDS), values, max_size=8))
def test_any_signed_request_gets_a_known_kind(api, simulator, endpoint, fields):
    body = dumps(api.signed(fields)).encode()
    answer = parse_json(isv_api.handle(endpoint, body))
    assert answer["kind"] in {"0", "1001", "2001", "2002", "2003", "2004", "2005", "2006",
                              "3001"}, answer
    if answer["kind"] != "0":
        assert answer["msg"] and "data" not in answer or answer["kind"] == "2005"
