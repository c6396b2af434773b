"""`make run` twice in a row works: the stack stops cleanly and starts again on the same ports."""
import pytest

from tests.e2e.conftest import RunningStack

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_local_stack_stops_on_ctrl_c_and_starts_again_on_the_same_ports(tmp_path):
    first = RunningStack(tmp_path).start()
    assert first.client().call("network")["kind"] == "0"
    assert first.stop() == 0
    second = RunningStack(tmp_path, ports=first.ports).start()
    try:
        assert second.client().call("network")["kind"] == "0"
        assert second.demo["key"] != first.demo["key"]
    finally:
        assert second.stop() == 0
