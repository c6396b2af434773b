import json
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.signing import JsonParseError, canonical, dumps, parse_json, sign, verify

KEY = "yt-test-key-0001"

V1 = '{"isvId":20000,"partnerId":12345,"version":"1.0.0","timestamp":102540025,"bizType":"scan_code","paymentNo":"1234567"}'
V2 = ('{"isvId":20000,"partnerId":12345,"version":"1.0.0","timestamp":1764000000000,'
      '"paymentNo":"HIS202611230001","channelProduct":"ali_scan_code","expireTime":"2026-11-23 10:30:00",'
      '"tradeFee":1.10,"subject":"门诊缴费","bizData":"{\\"visitId\\":\\"V9\\"}","districtId":"","sign":"whatever"}')
V3 = ('{"result":true,"kind":"0","version":"1.0.0","timestamp":1764000000123,"msg":"","data":'
      '{"tradeStatus":"wait_pay","channelType":"ali","channelProduct":"ali_scan_code",'
      '"outPaymentNo":"YT26112310300012345000001","paymentNo":"HIS202611230001","tradeFee":"1.10",'
      '"payUrl":"https://qr.example/abc?x=1&y=2","inPaymentNo":null}}')


@pytest.mark.parametrize("body, expected_canonical, expected_sign", [
    (V1, '{"bizType":"scan_code","isvId":"20000","partnerId":"12345","paymentNo":"1234567",'
         '"timestamp":"102540025","version":"1.0.0"}', "63a501ed5fd7de612642e11f1327f0b6"),
    (V2, '{"bizData":"{\\"visitId\\":\\"V9\\"}","channelProduct":"ali_scan_code",'
         '"expireTime":"2026-11-23 10:30:00","isvId":"20000","partnerId":"12345",'
         '"paymentNo":"HIS202611230001","subject":"门诊缴费","timestamp":"1764000000000",'
         '"tradeFee":"1.10","version":"1.0.0"}', "08bd4c6a56cff98bf8bdd05bffb8f296"),
    (V3, '{"data":{"channelProduct":"ali_scan_code","channelType":"ali",'
         '"outPaymentNo":"YT26112310300012345000001","payUrl":"https://qr.example/abc?x=1&y=2",'
         '"paymentNo":"HIS202611230001","tradeFee":"1.10","tradeStatus":"wait_pay"},"kind":"0",'
         '"result":"true","timestamp":"1764000000123","version":"1.0.0"}',
     "23029968c6ff98f60c139cad8a051d30"),
], ids=["V1", "V2", "V3"])
def test_spec_vectors_are_reproduced_byte_for_byte(body, expected_canonical, expected_sign):
    obj = parse_json(body)
    assert canonical(obj) == expected_canonical
    assert sign(obj, KEY) == expected_sign


def test_numbers_are_signed_as_their_literal_text():
    assert canonical(parse_json('{"a":1.10,"b":1e2,"c":-0.0}')) == '{"a":"1.10","b":"1e2","c":"-0.0"}'


def test_number_and_numeric_string_sign_the_same():
    assert sign(parse_json('{"fee":1.10}'), KEY) == sign(parse_json('{"fee":"1.10"}'), KEY)


def test_verify_accepts_uppercase_hex_and_rejects_missing_sign():
    obj = parse_json(V1)
    obj["sign"] = sign(obj, KEY).upper()
    assert verify(obj, KEY)
    del obj["sign"]
    assert not verify(obj, KEY)


@pytest.mark.parametrize("body", [b'{"a":1,"a":2}', b'{"a":NaN}', b'\xff\xfe', b'{"a":',
                                  b'[1,2', b''])
def test_parser_refuses_ambiguous_or_broken_json(body):
    with pytest.raises(JsonParseError):
        parse_json(body)


def test_dumps_writes_numbers_as_numbers_and_round_trips():
    obj = parse_json('{"a":1.10,"b":[1,"x",true,null],"c":{"d":"门\\""}}')
    text = dumps(obj)
    assert text == '{"a":1.10,"b":[1,"x",true,null],"c":{"d":"门\\""}}'
    assert parse_json(text) == obj


# ---------------------------------------------------------------- properties
keys = st.text(alphabet=string.ascii_letters + string.digits + "_", min_size=1, max_size=12)
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20) | \
    st.sampled_from(["门诊缴费", '引号"quote"', "back\\slash", "换行\n", "中文，标点"])
decimals = st.decimals(min_value=-10**8, max_value=10**8, places=2, allow_nan=False)
scalars = texts | st.integers(-10**15, 10**15) | decimals | st.booleans() | st.none()
objects = st.recursive(
    st.dictionaries(keys, scalars, max_size=6),
    lambda inner: st.dictionaries(keys, scalars | inner, max_size=6), max_leaves=20)


def _wire(obj: dict) -> dict:
    """What a receiver sees: the object serialised and parsed back losslessly."""
    return parse_json(dumps(obj))


@settings(max_examples=200, deadline=None)
@given(objects)
def test_verify_accepts_what_sign_signed(obj):
    obj = _wire(obj)
    obj["sign"] = sign(obj, KEY)
    assert verify(_wire(obj), KEY)


def _non_empty_paths(obj, prefix=()):
    for k, v in obj.items():
        if k == "sign":
            continue
        if isinstance(v, dict):
            yield from _non_empty_paths(v, prefix + (k,))
        elif v not in (None, "") and not (isinstance(v, list) and not v):
            yield prefix + (k,)


@settings(max_examples=200, deadline=None)
@given(objects, st.data())
def test_any_changed_non_empty_value_fails_verification(obj, data):
    obj = _wire(obj)
    obj["sign"] = sign(obj, KEY)
    paths = list(_non_empty_paths(obj))
    if not paths:
        return
    path = data.draw(st.sampled_from(paths))
    target = obj
    for k in path[:-1]:
        target = target[k]
    old = target[path[-1]]
    target[path[-1]] = "tampered" if old != "tampered" else "tampered2"
    assert not verify(obj, KEY)


@settings(max_examples=200, deadline=None)
@given(objects, st.randoms())
def test_key_order_does_not_change_the_sign(obj, rnd):
    obj = _wire(obj)

    def shuffle(o):
        if not isinstance(o, dict):
            return o
        items = list(o.items())
        rnd.shuffle(items)
        return {k: shuffle(v) for k, v in items}

    assert sign(shuffle(obj), KEY) == sign(obj, KEY)


@given(decimals)
def test_decimal_literals_survive_the_wire(d):
    obj = _wire({"fee": d})
    assert canonical(obj) == json.dumps({"fee": str(d)}, separators=(",", ":"))
