"""A small OpenID Connect provider for the single sign-on tests: a real peer over HTTP.

Authorization-code flow as in OpenID Connect Core 1.0 §3.1: discovery document, an
``/authorize`` page with a login form (people and passwords fixed at construction), a
``/token`` endpoint that authenticates the client (``client_secret_basic`` or
``client_secret_post``) and answers an RS256-signed ID token carrying the nonce, the JWKS,
``/userinfo`` and an ``end_session_endpoint``. Codes are single-use and expire; redirect URIs
must be registered. It keeps a log of the requests it served for the tests to inspect.
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route


@dataclass
class Person:
    password: str
    claims: dict[str, Any]


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    username: str
    expires: float


@dataclass
class OidcProvider:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    people: dict[str, Person]
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, {"kid": "k1", "use": "sig"}))
    codes: dict[str, _Grant] = field(default_factory=dict)
    access: dict[str, str] = field(default_factory=dict)
    served: list[str] = field(default_factory=list)
    #: the provider's sign-on session: browser cookie → username
    logged_in: dict[str, str] = field(default_factory=dict)

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/.well-known/openid-configuration", self.discovery),
            Route("/authorize", self.authorize, methods=["GET", "POST"]),
            Route("/token", self.token, methods=["POST"]),
            Route("/jwks", self.jwks),
            Route("/userinfo", self.userinfo),
            Route("/logout", self.logout),
        ])

    async def discovery(self, request: Request) -> Response:
        self.served.append("discovery")
        i = self.issuer
        return JSONResponse({
            "issuer": i,
            "authorization_endpoint": f"{i}/authorize",
            "token_endpoint": f"{i}/token",
            "jwks_uri": f"{i}/jwks",
            "userinfo_endpoint": f"{i}/userinfo",
            "end_session_endpoint": f"{i}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "claims_supported": ["sub", "preferred_username", "email", "name"],
        })

    async def jwks(self, request: Request) -> Response:
        return JSONResponse(KeySet([self.key]).as_dict(private=False))

    def _form(self, params: dict[str, str], message: str = "") -> HTMLResponse:
        hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                         for k, v in params.items())
        note = f"<p id=msg>{escape(message)}</p>" if message else ""
        return HTMLResponse(
            "<!doctype html><html><head><meta charset=utf-8><title>Test IdP</title></head><body>"
            f"<h1>政务统一身份认证 (test)</h1>{note}<form method=post action=/authorize>{hidden}"
            "<input id=u name=username><input id=p name=password type=password>"
            "<button id=go type=submit>登录</button></form></body></html>",
            status_code=401 if message else 200,
        )

    async def authorize(self, request: Request) -> Response:
        if request.method == "GET":
            params = dict(request.query_params)
        else:
            params = {k: str(v) for k, v in (await request.form()).items()}
        self.served.append(f"authorize {request.method}")
        if params.get("client_id") != self.client_id:
            return Response("unknown client", status_code=400)
        if params.get("redirect_uri") not in self.redirect_uris:
            return Response("redirect_uri not registered", status_code=400)
        if params.get("response_type") != "code" or "openid" not in params.get("scope", "").split():
            return Response("unsupported request", status_code=400)
        username = params.pop("username", None)
        password = params.pop("password", None)
        remembered = self.logged_in.get(request.cookies.get("idp_session", ""))
        if request.method == "POST":
            person = self.people.get(username or "")
            if person is None or person.password != password:
                return self._form(params, "wrong user name or password")
        elif remembered is not None:
            username = remembered  # an existing sign-on session: no form again
        else:
            return self._form(params)
        assert username is not None
        code = secrets.token_urlsafe(24)
        self.codes[code] = _Grant(self.client_id, params["redirect_uri"], params.get("nonce"),
                                  username, time.time() + 60)
        query = {"code": code}
        if "state" in params:
            query["state"] = params["state"]
        response = RedirectResponse(f"{params['redirect_uri']}?{urlencode(query)}", status_code=302)
        if request.method == "POST":
            sid = secrets.token_urlsafe(16)
            self.logged_in[sid] = username
            response.set_cookie("idp_session", sid, httponly=True, samesite="lax")
        return response

    def _client_ok(self, request: Request, form: dict[str, str]) -> bool:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            cid, _, sec = base64.b64decode(auth[6:]).decode().partition(":")
        else:
            cid, sec = form.get("client_id", ""), form.get("client_secret", "")
        return cid == self.client_id and secrets.compare_digest(sec, self.client_secret)

    async def token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.served.append("token")
        if not self._client_ok(request, form):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.codes.pop(form.get("code", ""), None)  # single use
        if (grant is None or grant.expires < time.time()
                or grant.redirect_uri != form.get("redirect_uri")
                or form.get("grant_type") != "authorization_code"):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        person = self.people[grant.username]
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300,
                  "auth_time": now, **person.claims}
        if grant.nonce:
            claims["nonce"] = grant.nonce
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
        access = secrets.token_urlsafe(24)
        self.access[access] = grant.username
        return JSONResponse({"access_token": access, "token_type": "Bearer", "expires_in": 300,
                             "id_token": id_token, "scope": "openid profile email"})

    async def userinfo(self, request: Request) -> Response:
        username = self.access.get(request.headers.get("authorization", "")[7:])
        if username is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse(self.people[username].claims)

    async def logout(self, request: Request) -> Response:
        self.served.append("logout")
        self.logged_in.pop(request.cookies.get("idp_session", ""), None)
        target = request.query_params.get("post_logout_redirect_uri")
        response: Response
        if target in self.redirect_uris:
            response = RedirectResponse(target, status_code=302)
        else:
            response = HTMLResponse("signed out")
        response.delete_cookie("idp_session")
        return response
