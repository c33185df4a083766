"""Interface strings of the media engine (built-in room or Janus): key → (zh-CN, English).
Merged into the one table."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "media.engine": ("媒体引擎：{name}", "Media engine: {name}"),
    "media.engine.builtin": ("内置（本服务转发音视频）", "built-in (this server forwards the media)"),
    "media.engine.janus": ("Janus（音视频由 Janus 转发，不经本服务）",
                           "Janus (Janus forwards the media; it does not pass through this server)"),
}
