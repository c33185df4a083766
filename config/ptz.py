"""PTZ (pan, tilt, zoom) of a camera in the deployment description.

A camera that declares ``[cameras.ptz]`` is steered through its ONVIF PTZ service (version 2.0,
``http://www.onvif.org/ver20/ptz/wsdl``)::

    [cameras.ptz]
    url = "http://10.1.2.3/onvif/ptz_service"   # or sim://<head> for a simulated camera
    username = "operator"
    password = "secret"                          # never shown, logged or answered
    profile = "Profile_1"                        # the media profile token the moves apply to

The password is a :class:`~pydantic.SecretStr`: its ``repr`` and ``str`` are ``**********``,
like a password inside an RTSP URL is redacted (``streams.redact``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from config.streams import StrictModel


class PtzConfig(StrictModel):
    url: str = Field(
        min_length=1, max_length=500,
        title="ONVIF PTZ service URL (http:// or https://), or sim://<head> for a simulated camera",
    )
    username: str = Field("", max_length=64, title="ONVIF user (WS-Security UsernameToken)")
    password: SecretStr = Field(SecretStr(""), title="ONVIF password; kept secret")
    profile: str = Field(
        "Profile_1", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$",
        title="Media profile token the PTZ commands name",
    )
    speed: float = Field(0.5, gt=0, le=1, title="Speed of on-screen moves, a share of the maximum")
    timeout: float = Field(3.0, gt=0, le=30, title="Seconds to wait for the device's answer")

    @field_validator("url")
    @classmethod
    def _scheme(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme == "sim":
            if not (parts.netloc or parts.path.strip("/")):
                raise ValueError("sim:// PTZ needs a head name, e.g. sim://cam-1")
            return url
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("PTZ url must be http://host/…, https://host/… or sim://<head>")
        if parts.username or parts.password:
            raise ValueError("put the PTZ user and password in username/password, not in the url")
        return url
