"""Settings of accounts and browser sessions (the ``[auth]`` section of the settings file)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ThrottlePolicy(BaseModel):
    """How failed logins slow the next tries.

    The first ``free_failures`` failures within ``window_seconds`` cost nothing; each further
    failure locks the key for ``base_delay_seconds * 2**(n - free_failures)`` seconds, capped at
    ``max_delay_seconds``. A quiet ``window_seconds`` after the last failure forgets the count.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    free_failures: int = Field(5, ge=1, le=100, title="Failures allowed before slowing down")
    base_delay_seconds: float = Field(2.0, gt=0, le=3600)
    max_delay_seconds: float = Field(900.0, gt=0, le=86400)
    window_seconds: float = Field(900.0, gt=0, le=86400)

    def delay_after(self, failures: int) -> float:
        if failures < self.free_failures:
            return 0.0
        return min(self.max_delay_seconds, self.base_delay_seconds * 2 ** (failures - self.free_failures))


class AuthSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    session_idle_minutes: int = Field(30, ge=1, le=24 * 60, title="Idle time that ends a session")
    session_absolute_hours: int = Field(12, ge=1, le=24 * 30, title="Longest life of a session")
    cookie_secure: Literal["auto", "always", "never"] = Field(
        "auto",
        title="Secure flag on cookies",
        description="auto: set when the request arrived over https (or X-Forwarded-Proto: https "
        "from a trusted proxy)",
    )
    cookie_samesite: Literal["lax", "strict"] = Field("lax")
    trusted_proxies: tuple[str, ...] = Field(
        (), title="Addresses of reverse proxies whose X-Forwarded-For/-Proto are believed"
    )
    allowed_origins: tuple[str, ...] = Field(
        (),
        title="Extra origins (scheme://host[:port]) allowed to send state-changing requests",
        description="The server's own origin is always allowed",
    )
    user_throttle: ThrottlePolicy = Field(default_factory=ThrottlePolicy)
    address_throttle: ThrottlePolicy = Field(default_factory=ThrottlePolicy)
