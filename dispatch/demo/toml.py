"""Write a deployment out as a TOML file that :func:`config.deployment.load_deployment` reads.

Only what a deployment holds is supported: strings, numbers, booleans, dates, lists of them,
tables and arrays of tables. The SLA policy is left out when it is the default.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from config.deployment import Deployment
from config.sla import SlaPolicy


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    return json.dumps(str(v), ensure_ascii=False)  # a TOML basic string is a JSON string


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() and k.isascii() else _value(k)


def _table(lines: list[str], header: str, data: dict[str, Any]) -> None:
    lines.append(header)
    nested = {k: v for k, v in data.items() if isinstance(v, dict | list) and v and isinstance(
        v[0] if isinstance(v, list) else None, dict)}  # fmt: skip
    for k, v in data.items():
        if v is not None and k not in nested:
            lines.append(f"{_key(k)} = {_value(v)}")
    for k, v in nested.items():
        for item in v:
            lines.append("")
            _table(lines, f"[[{header.strip('[]')}.{k}]]", item)


def deployment_toml(deployment: Deployment) -> str:
    data = deployment.model_dump(mode="python", exclude_none=True)
    lines = [f"name = {_value(data.pop('name', ''))}"]
    for section in ("centers", "grids", "units", "departments", "cameras"):
        for item in data.get(section, []):
            lines.append("")
            _table(lines, f"[[{section}]]", item)
    if deployment.sla != SlaPolicy():
        lines.append("")
        _table(lines, "[sla]", deployment.sla.model_dump(mode="json", exclude_none=True))
    lines.append("")
    _table(lines, "[holidays]", data["holidays"])
    return "\n".join(lines) + "\n"


def write_deployment(deployment: Deployment, path: Path | str) -> Path:
    path = Path(path)
    path.write_text(deployment_toml(deployment), encoding="utf-8")
    return path
