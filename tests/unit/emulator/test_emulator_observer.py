# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The response observer: every API answer reaches it, admin calls never do, and it cannot break the server."""

import threading

import pytest
import requests

import cfemu


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.events = []

    def __call__(self, *event):
        with self.lock:
            self.events.append(event)


@pytest.fixture
def observed(emu):
    recorder = Recorder()
    emu.observe(recorder)
    try:
        yield recorder
    finally:
        emu.observe(None)


def test_sees_requests_and_decoded_answers(cf, observed):
    created = cf.user("POST", json=cf.token_body("observed")).json()["result"]
    cf.user("GET", params={"per_page": "5"})
    cf.admin("GET", "/requests")
    assert len(observed.events) == 2
    method, path, query, body, status, answer, fault = observed.events[0]
    assert (method, path, query, status, fault) == ("POST", "/user/tokens", {}, 200, None)
    assert body["name"] == "observed"
    assert answer["result"]["value"] == created["value"]
    method, path, query, body, status, answer, fault = observed.events[1]
    assert (method, path, query, body, status, fault) == ("GET", "/user/tokens", {"per_page": "5"}, None, 200, None)
    assert answer["result_info"]["per_page"] == 5
    # The log entry and the observation describe the same request.
    logged = cf.emu.requests()[-1]
    assert (logged["method"], logged["path"], logged["query"], logged["status"]) == ("GET", "/user/tokens", {"per_page": "5"}, 200)


def test_faulty_answers_are_reported_as_such(cf, observed):
    cf.faults({"path": "^/user/tokens$", "action": "html", "times": 1},
              {"path": "^/user/tokens$", "action": "drop", "times": 1},
              {"path": "^/user/tokens$", "action": "status", "status": 429, "times": 1})
    assert cf.user("GET", check=False).status_code == 502
    with pytest.raises(requests.exceptions.ConnectionError):
        cf.user("GET", check=False)
    assert cf.user("GET", check=False).status_code == 429
    summary = [(event[4], event[5] is None, event[6]) for event in observed.events]
    assert summary == [(502, True, "html"), (None, True, "drop"), (429, False, "status")]
    assert observed.events[2][5]["errors"][0]["code"] == 971


def test_a_failing_observer_does_not_break_the_answer(cf):
    def explode(*event):
        raise RuntimeError("observer bug")

    cf.emu.observe(explode)
    try:
        assert cf.user("GET").status_code == 200
    finally:
        cf.emu.observe(None)


def test_constructor_argument_and_removal():
    recorder = Recorder()
    with cfemu.Emulator(observer=recorder) as emu:
        headers = {"Authorization": "Bearer " + cfemu.USER_API_TOKEN}
        assert requests.get(emu.base_url + "/user/tokens/verify", headers=headers, timeout=10).status_code == 200
        emu.observe(None)
        assert requests.get(emu.base_url + "/user/tokens/verify", headers=headers, timeout=10).status_code == 200
    assert [event[1] for event in recorder.events] == ["/user/tokens/verify"]
