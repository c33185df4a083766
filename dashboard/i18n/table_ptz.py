"""Interface strings of PTZ control and gathering detection: key → (zh-CN, English). Merged into the one table."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # the focus view's PTZ controls (dashboard/wall/wall.js)
    "ptz.title": ("云台", "PTZ"),
    "ptz.turn": ("按住转动", "Hold to turn"),
    "ptz.stop": ("停止", "Stop"),
    "ptz.zoom_in": ("按住放大", "Hold to zoom in"),
    "ptz.zoom_out": ("按住缩小", "Hold to zoom out"),
    "ptz.presets": ("预置位", "Presets"),
    "ptz.choose": ("选择预置位", "Choose a preset"),
    "ptz.none": ("暂无预置位", "No presets yet"),
    "ptz.goto": ("转到", "Go"),
    "ptz.save": ("存为预置位", "Save as preset"),
    "ptz.preset_name": ("预置位名称", "Preset name"),
    "ptz.keys": ("按键：W A S D 转动，+ − 变焦，1–9 转到预置位",
                 "Keys: W A S D turn, + − zoom, 1–9 go to a preset"),
    "ptz.failed": ("云台操作失败", "The PTZ command failed"),
    "grant.ptz": ("云台控制", "Control PTZ"),
    # the cameras page (dashboard/cameras/analytics.py)
    "cameras.analytics": ("云台与聚集检测", "PTZ and gathering detection"),
    "cameras.analytics.none": ("本范围内没有配置云台或聚集检测的摄像机。",
                               "No camera in this scope has PTZ or gathering detection."),
    "cameras.analytics.hint": ("按部署文件配置；云台的用户名和密码不在页面显示。",
                               "As the deployment file sets them; PTZ user names and passwords are "
                               "never shown."),
    "cameras.ptz": ("云台地址", "PTZ endpoint"),
    "cameras.gathering": ("聚集检测区域", "Gathering zones"),
    "cameras.gathering.zone": ("{name}：≥{people} 人持续 {seconds} 秒",
                               "{name}: ≥ {people} people for {seconds} s"),
    "cameras.gathering.fps": ("分析频率", "Analysis rate"),
    "cameras.gathering.rate": ("每秒 {fps} 帧", "{fps} pictures/s"),
    "cameras.gathering.hours": ("检测时段", "Hours"),
    "cameras.gathering.always": ("全天", "All day"),
    "cameras.gathering.case": ("自动立案", "Files a case"),
    "cameras.gathering.case_yes": ("是", "Yes"),
    "cameras.gathering.case_no": ("否（仅告警）", "No (alert only)"),
    # gathering alerts (dispatch/gathering.py)
    "alert.camera_gathering": ("视频发现聚集", "Gathering seen"),
    "alert_text.camera_gathering": ("{camera}（{camera_id}）：{zone} 约 {count} 人聚集",
                                    "{camera} ({camera_id}): about {count} people in {zone}"),
}
