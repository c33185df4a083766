"""Settings of accounts and browser sessions (the ``[auth]`` section of the settings file)."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class ThrottlePolicy(BaseModel):
    """How failed logins slow the next tries.

    The first ``free_failures`` failures within ``window_seconds`` cost nothing; each further
    failure locks the key for ``base_delay_seconds * 2**(n - free_failures)`` seconds, capped at
    ``max_delay_seconds``. A quiet ``window_seconds`` after the last failure forgets the count.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    free_failures: int = Field(5, ge=1, le=10_000, title="Failures allowed before slowing down")
    base_delay_seconds: float = Field(2.0, gt=0, le=3600)
    max_delay_seconds: float = Field(900.0, gt=0, le=86400)
    window_seconds: float = Field(900.0, gt=0, le=86400)

    def delay_after(self, failures: int) -> float:
        if failures < self.free_failures:
            return 0.0
        return min(self.max_delay_seconds, self.base_delay_seconds * 2 ** (failures - self.free_failures))


class OidcSettings(BaseModel):
    """Single sign-on through an OpenID Connect provider (Streamlit's ``st.login`` routes).

    The provider authenticates; authorisation stays local: the claim named by
    ``username_claim`` must equal a local account's user name (home center, roles).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    server_metadata_url: str = Field(
        ..., title="The provider's discovery document (…/.well-known/openid-configuration)"
    )
    client_id: str = Field(..., min_length=1, max_length=200)
    client_secret: SecretStr = Field(..., title="Client secret issued by the provider")
    redirect_uri: str = Field(
        ..., title="This server's public callback URL, ending in /oauth2callback"
    )
    cookie_secret: SecretStr = Field(
        ..., title="Signs the identity hand-off cookie (at least 32 characters, random)"
    )
    username_claim: str = Field("preferred_username", min_length=1, max_length=64)
    scope: str = Field("openid profile email")
    label: str = Field("统一身份认证登录 · Single sign-on", min_length=1, max_length=60,
                       title="Text of the button on the login page")
    handoff_seconds: int = Field(
        120, ge=5, le=900,
        title="How fresh the provider's answer must be when it is turned into a session",
    )

    @field_validator("server_metadata_url", "redirect_uri")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http:// or https:// URL")
        if parts.username or parts.password:
            raise ValueError("must not carry a user name or password")
        return value

    @field_validator("redirect_uri")
    @classmethod
    def _callback(cls, value: str) -> str:
        if urlsplit(value).path.rstrip("/") != "/oauth2callback":
            raise ValueError("must end in /oauth2callback (the route that takes the answer)")
        return value

    @field_validator("cookie_secret")
    @classmethod
    def _long_secret(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters")
        return value

    @field_validator("scope")
    @classmethod
    def _openid_scope(cls, value: str) -> str:
        if "openid" not in value.split():
            raise ValueError('must include "openid"')
        return value


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
    user_throttle: ThrottlePolicy = Field(
        default_factory=ThrottlePolicy,
        title="Failed logins of one account from one address (the pair)",
    )
    address_throttle: ThrottlePolicy = Field(
        default_factory=lambda: ThrottlePolicy(free_failures=100),
        title="Failed logins from one address, all accounts together (a much higher ceiling)",
    )
    oidc: OidcSettings | None = Field(
        None, title="OpenID Connect single sign-on (off unless configured)"
    )
