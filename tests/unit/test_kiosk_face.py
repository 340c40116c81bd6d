"""The simulated face matcher: deterministic, strangers never match, blur lowers the score;
the kiosk agent's simulated camera writes frames the server's matcher reads."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bedside.kiosk_agent.drivers import EventBus
from bedside.kiosk_agent.simulators import DEMO_ID_CARDS, SimCamera, SimIdReader, frame_subject
from bedside.kiosks.face import SIM_MATCH_SCORE, NoFaceFound, SimulatedFaceMatcher, sim_subject

A, B = DEMO_ID_CARDS[0].resident_id, DEMO_ID_CARDS[1].resident_id


def frame(subject: str, quality: int = 100) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "JPEG", comment=f"bedside-sim:{subject};q={quality}".encode())
    return out.getvalue()


@pytest.fixture
def matcher() -> SimulatedFaceMatcher:
    return SimulatedFaceMatcher("unit-test-secret")


def test_the_same_person_matches_and_others_do_not(matcher):
    a, b = matcher.enrol(frame(A)), matcher.enrol(frame(B))
    assert a == matcher.enrol(frame(A)) and a != b
    assert A.encode() not in a  # a keyed digest, not the identity itself
    best = matcher.match(frame(A), [(1, b), (2, a)])
    assert best.candidate_id == 2 and best.score == SIM_MATCH_SCORE
    other = matcher.match(frame(A), [(1, b)])
    assert other.score < 0.5


def test_a_stranger_never_matches_even_when_enrolled(matcher):
    stranger = matcher.enrol(frame("stranger"))
    result = matcher.match(frame("stranger"), [(7, stranger)])
    assert result.score < 0.5


def test_blur_lowers_the_score_and_no_face_is_refused(matcher):
    a = matcher.enrol(frame(A))
    assert matcher.match(frame(A, 60), [(1, a)]).score == pytest.approx(SIM_MATCH_SCORE * 0.6, abs=1e-3)
    with pytest.raises(NoFaceFound):
        matcher.match(frame("nobody"), [(1, a)])
    with pytest.raises(NoFaceFound):
        matcher.enrol(frame(A, 30))
    with pytest.raises(NoFaceFound):
        matcher.match(b"not a picture", [(1, a)])
    with pytest.raises(NoFaceFound):
        matcher.enrol(b"")


def test_templates_depend_on_the_server_secret(matcher):
    assert SimulatedFaceMatcher("another-secret").enrol(frame(A)) != matcher.enrol(frame(A))


def test_the_agent_camera_frames_carry_the_chosen_person():
    bus = EventBus()
    reader = SimIdReader(bus)
    camera = SimCamera(bus, reader)
    assert sim_subject(camera.capture().jpeg) == ("stranger", 100)  # no card on the reader
    reader.place(DEMO_ID_CARDS[0])
    assert frame_subject(camera.capture().jpeg) == A
    camera.set_person("patient", B, 70)
    jpeg = camera.capture().jpeg
    assert sim_subject(jpeg) == (B, 70) and frame_subject(jpeg) == B
    camera.set_person("nobody")
    assert sim_subject(camera.capture().jpeg) == ("nobody", 70)
    with pytest.raises(ValueError):
        camera.set_person("patient", "123")
