"""A simulated ONVIF PTZ device: the PTZ service of the specification, steering simulated heads.

``onvif_app(users)`` is a Starlette app answering ``POST /onvif/{head}/ptz_service`` with the
operations of :mod:`streams.onvif` on the head of that name (:mod:`streams.sim_ptz`), which
``sim://?ptz=<head>`` cameras draw through. It checks the WS-Security UsernameToken digest
against ``users`` (none given: open, as many devices ship) and refuses replays of a nonce, so
the product's PTZ client is exercised against a device that can say no. The product serves it
in-process for ``sim://`` PTZ cameras (the demo); tests run it under uvicorn on loopback.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import time
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, datetime
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from streams import onvif
from streams.onvif import PTZ, TT, WSSE, WSU, SoapFault
from streams.sim_ptz import Position, SimHead, find_head, head

PROFILE = "Profile_1"
_DURATION = re.compile(r"^PT(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$")
CLOCK_SKEW = 300.0  # seconds a UsernameToken's Created may differ from the device's clock


def duration(text: str | None) -> float | None:
    """An xs:duration such as ``PT1.5S`` or ``PT1M`` in seconds (only minutes and seconds)."""
    if not text:
        return None
    m = _DURATION.match(text.strip())
    if m is None or not any(m.groups()):
        raise SoapFault("Sender", "InvalidArgVal", f"bad Timeout {text!r}")
    return float(m.group(1) or 0) * 60 + float(m.group(2) or 0)


def _f(element: ET.Element | None, attr: str, default: float = 0.0) -> float:
    if element is None or element.get(attr) is None:
        return default
    try:
        return float(element.get(attr, ""))
    except ValueError:
        raise SoapFault("Sender", "InvalidArgVal", f"bad {attr} value") from None


class Device:
    """The PTZ service of simulated heads; ``users``: name → password."""

    def __init__(self, users: Mapping[str, str] | None = None, *, create: bool = True) -> None:
        self.users = dict(users or {})
        self.create = create  # make unknown heads on first use (the demo) or answer NoEntity
        self._nonces: OrderedDict[bytes, float] = OrderedDict()

    def authenticate(self, root: ET.Element) -> None:
        if not self.users:
            return
        token = root.find(f"{{{onvif.SOAP}}}Header/{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
        if token is None:
            raise SoapFault("Sender", "NotAuthorized", "sender not authorized")
        user = token.findtext(f"{{{WSSE}}}Username") or ""
        digest = token.findtext(f"{{{WSSE}}}Password") or ""
        created = token.findtext(f"{{{WSU}}}Created") or ""
        try:
            nonce = base64.b64decode(token.findtext(f"{{{WSSE}}}Nonce") or "", validate=True)
        except (binascii.Error, ValueError):
            raise SoapFault("Sender", "NotAuthorized", "sender not authorized") from None
        password = self.users.get(user)
        expected = onvif.password_digest(nonce, created, password or "")
        if password is None or not hmac.compare_digest(expected, digest):
            raise SoapFault("Sender", "NotAuthorized", "sender not authorized")
        try:
            at = datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError:
            raise SoapFault("Sender", "NotAuthorized", "sender not authorized") from None
        if abs((datetime.now(UTC) - at).total_seconds()) > CLOCK_SKEW:
            raise SoapFault("Sender", "NotAuthorized", "message expired")
        now = time.monotonic()
        while self._nonces and next(iter(self._nonces.values())) < now - CLOCK_SKEW:
            self._nonces.popitem(last=False)
        if nonce in self._nonces:
            raise SoapFault("Sender", "NotAuthorized", "nonce replayed")
        self._nonces[nonce] = now

    def head(self, name: str) -> SimHead:
        found = head(name) if self.create else find_head(name)
        if found is None:
            raise SoapFault("Sender", "NoEntity", "no such PTZ node")
        return found

    def handle(self, name: str, data: bytes) -> bytes:
        root = onvif.parse(data)
        self.authenticate(root)
        request = onvif.body_of(root)
        ns, _, op = request.tag[1:].partition("}")
        if ns != PTZ or op not in onvif.OPERATIONS:
            raise SoapFault("Receiver", "ActionNotSupported", f"operation {op} not supported")
        profile = request.findtext(f"{{{PTZ}}}ProfileToken")
        if profile != PROFILE:
            raise SoapFault("Sender", "NoProfile", "no such profile")
        body = getattr(self, f"_{op}")(self.head(name), request)
        return onvif.envelope(body)

    # operations --------------------------------------------------------------------------
    def _ContinuousMove(self, h: SimHead, req: ET.Element) -> str:  # noqa: N802
        velocity = req.find(f"{{{PTZ}}}Velocity")
        if velocity is None:
            raise SoapFault("Sender", "InvalidArgVal", "Velocity missing")
        pt = velocity.find(f"{{{TT}}}PanTilt")
        zoom = velocity.find(f"{{{TT}}}Zoom")
        values = (_f(pt, "x"), _f(pt, "y"), _f(zoom, "x"))
        if any(abs(v) > 1 for v in values):
            raise SoapFault("Sender", "InvalidVelocity", "velocity outside [-1, 1]")
        h.continuous_move(*values, timeout=duration(req.findtext(f"{{{PTZ}}}Timeout")))
        return "<tptz:ContinuousMoveResponse/>"

    def _Stop(self, h: SimHead, req: ET.Element) -> str:  # noqa: N802
        flag = {"true": True, "false": False, None: True}
        pan_tilt = flag.get(req.findtext(f"{{{PTZ}}}PanTilt"), True)
        zoom = flag.get(req.findtext(f"{{{PTZ}}}Zoom"), True)
        h.stop(pan_tilt=pan_tilt, zoom=zoom)
        return "<tptz:StopResponse/>"

    def _GetPresets(self, h: SimHead, req: ET.Element) -> str:  # noqa: N802
        out = []
        for p in list(h.presets.values()):
            pos = p.position
            out.append(f"<tptz:Preset token={onvif.attribute(p.token)}><tt:Name>"
                       f"{escape(p.name)}</tt:Name><tt:PTZPosition>"
                       f"{onvif.vector(pos.pan, pos.tilt, pos.zoom)}</tt:PTZPosition></tptz:Preset>")
        return f"<tptz:GetPresetsResponse>{''.join(out)}</tptz:GetPresetsResponse>"

    def _SetPreset(self, h: SimHead, req: ET.Element) -> str:  # noqa: N802
        name = (req.findtext(f"{{{PTZ}}}PresetName") or "").strip()
        token = req.findtext(f"{{{PTZ}}}PresetToken")
        if len(name) > 64:
            raise SoapFault("Sender", "InvalidPresetName", "preset name too long")
        if any(p.name == name and p.token != token for p in h.presets.values()) and name:
            raise SoapFault("Sender", "PresetExist", "a preset has that name")
        try:
            token = h.set_preset(name, token or None)
        except KeyError:
            raise SoapFault("Sender", "NoToken", "no such preset") from None
        except ValueError:
            raise SoapFault("Receiver", "TooManyPresets", "preset limit reached") from None
        return (f"<tptz:SetPresetResponse>{onvif.token_element('PresetToken', token)}"
                "</tptz:SetPresetResponse>")

    def _GotoPreset(self, h: SimHead, req: ET.Element) -> str:  # noqa: N802
        try:
            h.goto_preset(req.findtext(f"{{{PTZ}}}PresetToken") or "")
        except KeyError:
            raise SoapFault("Sender", "NoToken", "no such preset") from None
        return "<tptz:GotoPresetResponse/>"

    def _RemovePreset(self, h: SimHead, req: ET.Element) -> str:  # noqa: N802
        try:
            h.remove_preset(req.findtext(f"{{{PTZ}}}PresetToken") or "")
        except KeyError:
            raise SoapFault("Sender", "NoToken", "no such preset") from None
        return "<tptz:RemovePresetResponse/>"

    def _GetStatus(self, h: SimHead, req: ET.Element) -> str:  # noqa: N802
        pos: Position = h.position()
        state = "MOVING" if h.moving() else "IDLE"
        return (f"<tptz:GetStatusResponse><tptz:PTZStatus><tt:Position>"
                f"{onvif.vector(pos.pan, pos.tilt, pos.zoom)}</tt:Position><tt:MoveStatus>"
                f"<tt:PanTilt>{state}</tt:PanTilt><tt:Zoom>{state}</tt:Zoom></tt:MoveStatus>"
                "</tptz:PTZStatus></tptz:GetStatusResponse>")


def onvif_app(users: Mapping[str, str] | None = None, *, create: bool = True) -> Starlette:
    """The device as an ASGI app: ``POST /onvif/{head}/ptz_service``."""
    device = Device(users, create=create)

    async def ptz_service(request: Request) -> Response:
        data = await request.body()
        try:
            answer = device.handle(request.path_params["head"], data)
        except SoapFault as fault:
            return Response(onvif.fault_envelope(fault), 400 if fault.code == "Sender" else 500,
                            media_type=onvif.CONTENT_TYPE)
        return Response(answer, media_type=onvif.CONTENT_TYPE)

    app = Starlette(routes=[Route("/onvif/{head}/ptz_service", ptz_service, methods=["POST"])])
    app.state.device = device
    return app
