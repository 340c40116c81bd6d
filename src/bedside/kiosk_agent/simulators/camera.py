"""The simulated camera and face matcher: frames are drawn, and who stands in front of the lens
is written into the picture."""

from __future__ import annotations

import io
import re
import secrets
from typing import Any, Literal

from PIL import Image, ImageDraw

from bedside.kiosk_agent.drivers import (
    BadInput,
    EventBus,
    FaceMatch,
    Frame,
    now,
)
from bedside.kiosk_agent.simulators.base import DEMO_ID_CARDS, INJECTABLE, SimulatedModule
from bedside.kiosk_agent.simulators.readers import SimIdReader

Person = Literal["id_card", "patient", "stranger", "nobody"]
_SUBJECT_PREFIX = b"bedside-sim:"


class SimCamera(SimulatedModule):
    """Frames are drawn, not filmed. Who stands in front of the lens (the holder of the ID card
    on the reader, a chosen patient by resident ID, a stranger, nobody) and how sharp the
    picture is are written into the JPEG's comment ("<subject>;q=<0-100>"), which is all the
    simulated face matchers (the agent's and the server's) look at."""

    kind = "camera"
    injectable = INJECTABLE[kind]
    WIDTH, HEIGHT = 640, 480

    def __init__(self, bus: EventBus, id_reader: SimIdReader) -> None:
        super().__init__(bus)
        self.id_reader = id_reader
        self.person: Person = "id_card"
        self.resident_id: str | None = None
        self.quality = 100

    def set_person(self, person: Person, resident_id: str | None = None, quality: int | None = None) -> None:
        if person == "patient" and (resident_id is None or not re.fullmatch(r"\d{17}[\dX]", resident_id)):
            raise BadInput("invalid_resident_id", "Choosing a patient needs their 18-character resident ID.")
        if quality is not None and not 0 <= quality <= 100:
            raise BadInput("invalid_quality", "Quality is 0-100.")
        with self._lock:
            self.person = person
            self.resident_id = resident_id if person == "patient" else None
            if quality is not None:
                self.quality = quality

    def capture(self) -> Frame:
        with self._lock:
            self._check()
            card = self.id_reader.current()
            if self.person == "nobody":
                subject = "nobody"
            elif self.person == "patient" and self.resident_id:
                subject = self.resident_id
            elif self.person == "id_card" and card is not None:
                subject = card.resident_id
            else:
                subject = "stranger"
            frame = Frame(jpeg=self._draw(subject), width=self.WIDTH, height=self.HEIGHT, at=now())
            self._emit("frame_captured", frame_id=frame.frame_id)
            return frame

    def _draw(self, subject: str) -> bytes:
        image = Image.new("RGB", (self.WIDTH, self.HEIGHT), (38, 44, 56))
        draw = ImageDraw.Draw(image)
        if subject != "nobody":
            tone = (224, 188, 160) if subject != "stranger" else (196, 160, 132)
            draw.ellipse((250, 110, 390, 290), fill=tone)
            draw.rounded_rectangle((190, 300, 450, 480), radius=60, fill=(70, 110, 160))
        draw.text((12, 12), f"SIMULATED CAMERA {now():%H:%M:%S}", fill=(200, 200, 200))
        out = io.BytesIO()
        tag = _SUBJECT_PREFIX + f"{subject};q={self.quality}".encode()
        image.save(out, "JPEG", quality=70, comment=tag)
        return out.getvalue()

    def _control_extra(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "resident_id": self.resident_id,
            "quality": self.quality,
            "presets": [{"name": c.name, "resident_id": c.resident_id} for c in DEMO_ID_CARDS],
        }


def frame_subject(jpeg: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(jpeg)) as image:
            comment = image.info.get("comment", b"")
    except OSError:
        return None
    if not isinstance(comment, bytes) or not comment.startswith(_SUBJECT_PREFIX):
        return None
    return comment[len(_SUBJECT_PREFIX) :].decode(errors="replace").partition(";q=")[0]


class SimFaceMatcher:
    MATCH_SCORE = 0.96
    OTHER_SCORE = 0.21

    def match(self, frame: Frame, resident_id: str, name: str) -> FaceMatch:
        subject = frame_subject(frame.jpeg)
        if subject is None or subject == "nobody":
            return FaceMatch(face_found=False, matched=False, score=0.0)
        matched = secrets.compare_digest(subject.encode(), resident_id.encode())
        return FaceMatch(
            face_found=True, matched=matched, score=self.MATCH_SCORE if matched else self.OTHER_SCORE
        )
