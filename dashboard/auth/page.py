"""The login and logout pages: self-contained HTML (inline style, no script, no external asset).

Chinese first, English second. Every value placed in the page is escaped.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from dashboard.auth.cookies import CSRF_FIELD

#: Headers of every page here: nothing may frame it, load from elsewhere, or cache it.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    # Not "no-referrer": under it browsers send "Origin: null" on the form's POST, which the
    # CSRF check must refuse. "same-origin" keeps the referrer off other sites all the same.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}

MESSAGES = {
    "failed": "用户名或密码错误 · Wrong user name or password",
    "throttled": "尝试次数过多，请 {seconds} 秒后再试 · Too many attempts; try again in {seconds} s",
    "later": "尝试次数过多，请稍后再试 · Too many attempts; try again later",
    "csrf": "页面已过期，请重新登录 · The page expired; please log in again",
    "logged_out": "已退出登录 · You have logged out",
    "password_changed": "密码已修改，请用新密码登录 · Password changed; log in with the new one",
    "must_change": "请先设置新密码 · Please set a new password first",
    "bad_password": "当前密码错误 · The current password is wrong",
    "mismatch": "两次输入的新密码不一致 · The new passwords differ",
    "same_password": "新密码不能与当前密码相同 · The new password must differ from the current one",
    "expired": "会话已过期，请重新登录 · Your session expired; please log in again",
    "sso_unknown": "该统一身份认证账号未在本系统开通，请联系管理员 · "
                   "This sign-on identity has no account here; ask an administrator",
    "sso_disabled": "账号已停用，请联系管理员 · This account is disabled; ask an administrator",
    "sso_no_claim": "统一身份认证未提供用户名 · The sign-on provider sent no user name",
    "sso_unavailable": "统一身份认证暂不可用，请用密码登录 · "
                       "Single sign-on is unavailable; log in with a password",
}

_STYLE = """
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
background:#0b1220;color:#e5e9f0;font-family:"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei",
"PingFang SC",sans-serif}
main{width:min(92vw,380px);background:#121b2e;border:1px solid #24324d;border-radius:10px;
padding:32px 28px;box-shadow:0 10px 40px rgba(0,0,0,.4)}
h1{font-size:20px;margin:0 0 4px}p.sub{margin:0 0 22px;color:#93a1bd;font-size:13px}
label{display:block;font-size:13px;margin:14px 0 6px;color:#c3cde0}
input{width:100%;box-sizing:border-box;padding:10px 12px;border-radius:6px;border:1px solid #2f4166;
background:#0b1220;color:#e5e9f0;font-size:15px;font-family:inherit}
button{font-family:inherit;margin-top:22px;width:100%;padding:11px;border:0;border-radius:6px;background:#2563eb;
color:#fff;font-size:15px;cursor:pointer}
.msg{padding:10px 12px;border-radius:6px;background:#3b1d24;color:#fecdd3;font-size:13px;margin-bottom:8px}
.info{background:#15324a;color:#cfe8ff}
a.sso{display:block;margin-top:14px;padding:10px;border:1px solid #2f4166;border-radius:6px;
text-align:center;color:#cfe8ff;text-decoration:none;font-size:15px}a.sso:hover{background:#15324a}
.or{margin:18px 0 0;text-align:center;color:#5d6b86;font-size:12px}
"""


def _shell(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def login_page(
    csrf_token: str, next_path: str = "/", message: str | None = None, info: bool = False,
    username: str = "", sso_label: str | None = None,
) -> str:
    """The password form; with ``sso_label``, also the single sign-on button."""
    note = f'<div class="msg{" info" if info else ""}" role="alert">{escape(message)}</div>' if message else ""
    sso = (
        '<p class="or">或 · or</p>'
        f'<a class="sso" id="sso" href="/login/sso?next={escape(quote(next_path, safe=""))}">'
        f"{escape(sso_label)}</a>"
    ) if sso_label else ""
    return _shell(
        "登录 · Log in",
        "<h1>综治中心视频指挥调度</h1>"
        '<p class="sub">Video command and dispatch · 请登录 / Please log in</p>'
        f"{note}"
        '<form method="post" action="/login" autocomplete="on">'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token)}">'
        f'<input type="hidden" name="next" value="{escape(next_path)}">'
        '<label for="username">用户名 · User name</label>'
        f'<input id="username" name="username" autocomplete="username" required maxlength="64" '
        f'value="{escape(username)}" autofocus>'
        '<label for="password">密码 · Password</label>'
        '<input id="password" name="password" type="password" autocomplete="current-password" '
        'required maxlength="256">'
        '<button type="submit">登录 · Log in</button></form>'
        f"{sso}",
    )


def logout_page(csrf_token: str) -> str:
    return _shell(
        "退出登录 · Log out",
        "<h1>退出登录</h1><p class=\"sub\">Log out of the command center</p>"
        '<form method="post" action="/logout">'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token)}">'
        '<button type="submit">退出登录 · Log out</button></form>',
    )


def password_page(csrf_token: str, next_path: str = "/", message: str | None = None) -> str:
    note = f'<div class="msg" role="alert">{escape(message)}</div>' if message else ""
    field = '<label for="{id}">{label}</label><input id="{id}" name="{id}" type="password" ' \
        'autocomplete="{ac}" required maxlength="256">'
    return _shell(
        "修改密码 · Change password",
        "<h1>修改密码</h1><p class=\"sub\">Change password</p>"
        f"{note}"
        '<form method="post" action="/password">'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token)}">'
        f'<input type="hidden" name="next" value="{escape(next_path)}">'
        + field.format(id="current", label="当前密码 · Current password", ac="current-password")
        + field.format(id="new", label="新密码 · New password", ac="new-password")
        + field.format(id="repeat", label="再次输入 · Repeat", ac="new-password")
        + '<button type="submit">保存 · Save</button></form>',
    )
