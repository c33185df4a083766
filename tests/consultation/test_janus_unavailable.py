"""Janus down: joining answers 503 with words saying so (never a 500 or a hang), and the
session still ends with its summary."""

from __future__ import annotations

from pathlib import Path

import httpx

from config.media import JanusSettings
from streams.janus.engine import JanusMedia
from tests.consultation.conftest import case_in_handling
from tests.consultation.janus_session import serve
from tests.dispatch.factories import Db
from tests.streams.conftest import free_port

OP = {"X-Test-Principal": "township"}
OFFER = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
         "c=IN IP4 0.0.0.0\r\na=rtpmap:96 VP8/90000\r\na=sendonly\r\na=mid:0\r\n"
         "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"
         "a=fingerprint:sha-256 " + ":".join(["AB"] * 32) + "\r\na=setup:actpass\r\n")


def test_janus_down_is_a_clear_503_and_the_session_still_ends(db: Db, tmp_path: Path) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/janus"  # nothing listens there
    served = serve(db, tmp_path / "data", JanusMedia(JanusSettings(url=nobody, request_timeout=2), None))
    try:
        with httpx.Client(base_url=served.base, timeout=30) as http:
            made = http.post("/api/consultations", headers=OP,
                             json={"case_id": case_in_handling(db), "invite_chain": True}).json()
            other = next(i for i in made["invitations"] if i["participant"] != made["participant"])
            answer = http.post(f"{made['join']}/whip", content=OFFER,
                               headers={"Content-Type": "application/sdp"})
            assert answer.status_code == 503, answer.text
            assert "media server is unavailable" in answer.json()["message"]
            assert "127.0.0.1" not in answer.text  # the engine's address stays inside
            view = http.post(f"{made['join']}/whep/p-{other['participant']}", content=b"",
                             headers={"Content-Type": "application/sdp"})
            assert view.status_code == 503, view.text
            ended = http.post(f"/api/consultations/{made['id']}/end", headers=OP,
                              json={"conclusion": "结束"})
            assert ended.status_code == 200, ended.text
            assert ended.json()["conclusion"] == "结束"
    finally:
        served.stop()
