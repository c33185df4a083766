"""Steering cameras: the ONVIF PTZ client and the registry of PTZ cameras.

:class:`OnvifPtz` speaks the PTZ service of one camera (:mod:`streams.onvif` envelopes over
HTTP). :class:`PtzControl` holds one client per camera that declares ``ptz`` in the deployment
file; cameras whose PTZ url is ``sim://<head>`` are served by the simulated device in-process
(:mod:`streams.onvif_sim`, through an ASGI transport), so the demo steers its simulated
cameras through the same SOAP messages as a real one. Errors never carry the password.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import httpx

from config.cameras import CameraConfig
from config.ptz import PtzConfig
from streams import onvif
from streams.onvif import PTZ, TT, PresetInfo, SoapFault
from streams.redact import redact_text

PtzAction = Literal["move", "stop", "goto", "set_preset", "remove_preset"]
ACTIONS: tuple[PtzAction, ...] = ("move", "stop", "goto", "set_preset", "remove_preset")


class PtzError(Exception):
    """The camera refused or could not be reached; ``reason`` is safe to show (no secret)."""

    def __init__(self, reason: str, *, refused: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.refused = reason, refused


@dataclass(frozen=True)
class PtzStatus:
    pan: float
    tilt: float
    zoom: float
    moving: bool


class OnvifPtz:
    """The PTZ service of one camera."""

    def __init__(self, cfg: PtzConfig, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.cfg = cfg
        parts = urlsplit(cfg.url)
        if parts.scheme == "sim":
            head = (parts.netloc or parts.path).strip("/")
            self.url = f"http://sim/onvif/{head}/ptz_service"
        else:
            self.url = cfg.url
        self._client = httpx.AsyncClient(transport=transport, timeout=cfg.timeout)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def call(self, body: str) -> onvif.ET.Element:
        password = self.cfg.password.get_secret_value()
        data = onvif.envelope(body, onvif.security_header(self.cfg.username, password))
        try:
            answer = await self._client.post(self.url, content=data,
                                             headers={"Content-Type": onvif.CONTENT_TYPE})
        except httpx.HTTPError as exc:
            raise PtzError(redact_text(f"camera unreachable: {exc}", password)) from None
        try:
            root = onvif.parse(answer.content)
        except SoapFault:
            raise PtzError(f"camera answered HTTP {answer.status_code}, not SOAP") from None
        fault = onvif.read_fault(root)
        if fault is not None:
            refused = fault.subcode in ("NotAuthorized",)
            raise PtzError(redact_text(f"{fault.subcode or fault.code}: {fault.reason}", password),
                           refused=refused)
        return onvif.body_of(root)

    def _profile(self) -> str:
        return onvif.token_element("ProfileToken", self.cfg.profile)

    async def continuous_move(self, pan: float, tilt: float, zoom: float,
                              timeout: float | None = None) -> None:
        for value in (pan, tilt, zoom):
            if not (math.isfinite(value) and -1 <= value <= 1):
                raise PtzError("velocity must be within [-1, 1]")
        limit = f"<tptz:Timeout>PT{timeout:g}S</tptz:Timeout>" if timeout else ""
        await self.call(f"<tptz:ContinuousMove>{self._profile()}<tptz:Velocity>"
                        f"{onvif.vector(pan, tilt, zoom)}</tptz:Velocity>{limit}"
                        "</tptz:ContinuousMove>")

    async def stop(self) -> None:
        await self.call(f"<tptz:Stop>{self._profile()}<tptz:PanTilt>true</tptz:PanTilt>"
                        "<tptz:Zoom>true</tptz:Zoom></tptz:Stop>")

    async def get_presets(self) -> list[PresetInfo]:
        answer = await self.call(f"<tptz:GetPresets>{self._profile()}</tptz:GetPresets>")
        return [PresetInfo(p.get("token", ""), p.findtext(f"{{{TT}}}Name") or p.get("token", ""))
                for p in answer.findall(f"{{{PTZ}}}Preset")]

    async def set_preset(self, name: str, token: str | None = None) -> str:
        body = self._profile() + onvif.token_element("PresetName", name)
        if token:
            body += onvif.token_element("PresetToken", token)
        answer = await self.call(f"<tptz:SetPreset>{body}</tptz:SetPreset>")
        return answer.findtext(f"{{{PTZ}}}PresetToken") or ""

    async def goto_preset(self, token: str) -> None:
        await self.call(f"<tptz:GotoPreset>{self._profile()}"
                        f"{onvif.token_element('PresetToken', token)}</tptz:GotoPreset>")

    async def remove_preset(self, token: str) -> None:
        await self.call(f"<tptz:RemovePreset>{self._profile()}"
                        f"{onvif.token_element('PresetToken', token)}</tptz:RemovePreset>")

    async def status(self) -> PtzStatus:
        answer = await self.call(f"<tptz:GetStatus>{self._profile()}</tptz:GetStatus>")
        pt = answer.find(f".//{{{TT}}}Position/{{{TT}}}PanTilt")
        zoom = answer.find(f".//{{{TT}}}Position/{{{TT}}}Zoom")
        moving = answer.findtext(f".//{{{TT}}}MoveStatus/{{{TT}}}PanTilt") == "MOVING"
        def num(e: onvif.ET.Element | None, a: str) -> float:
            return float(e.get(a, 0)) if e is not None else 0.0
        return PtzStatus(num(pt, "x"), num(pt, "y"), num(zoom, "x"), moving)


class NotPtz(KeyError):
    """The camera declares no PTZ."""


class PtzControl:
    """One :class:`OnvifPtz` per PTZ camera of the deployment."""

    def __init__(self, cameras: Iterable[CameraConfig]) -> None:
        self._clients: dict[str, OnvifPtz] = {}
        for cam in cameras:
            if cam.ptz is not None:
                self.add(cam)

    def add(self, cam: CameraConfig) -> None:
        assert cam.ptz is not None
        transport = None
        if cam.ptz.url.startswith("sim:"):
            transport = self._sim(cam.ptz)
        self._clients[cam.id] = OnvifPtz(cam.ptz, transport)

    def _sim(self, cfg: PtzConfig) -> httpx.ASGITransport:
        from streams.onvif_sim import onvif_app

        # One device per credential pair: a simulated camera with a user checks it like a real one.
        users = {cfg.username: cfg.password.get_secret_value()} if cfg.username else None
        return httpx.ASGITransport(app=onvif_app(users))

    def has(self, camera_id: str) -> bool:
        return camera_id in self._clients

    def client(self, camera_id: str) -> OnvifPtz:
        try:
            return self._clients[camera_id]
        except KeyError:
            raise NotPtz(camera_id) from None

    def camera_ids(self) -> list[str]:
        return list(self._clients)

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
