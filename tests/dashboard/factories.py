"""Small deployments and cases for page and route tests (fast: a few dozen rows)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from config.deployment import parse_deployment
from dispatch.cases import report_case
from dispatch.intake import parse_intake
from dispatch.models import Case
from dispatch.principal import Principal, Role
from dispatch.registry import import_deployment
from dispatch.sla import Sla

PREFECTURE = "532600"
COUNTIES = {"532621": "文山市", "532622": "砚山县"}


def small_deployment_dict(cameras: bool = True) -> dict[str, Any]:
    centers: list[dict[str, Any]] = [
        {"code": PREFECTURE, "name": "文山州综治中心", "level": 1, "lat": 23.37, "lon": 104.24}
    ]
    departments: list[dict[str, Any]] = []
    cams: list[dict[str, Any]] = [
        {"id": "cam-zhou-1", "name": "州指挥大厅", "center": PREFECTURE, "sub_url": "sim://?w=320&h=180&fps=5&label=zhou"}
    ]
    for ci, (county, cname) in enumerate(COUNTIES.items()):
        centers.append({"code": county, "name": f"{cname}综治中心", "level": 2, "parent": PREFECTURE,
                        "lat": 23.3 + ci * 0.2, "lon": 104.1 + ci * 0.3})
        departments.append({"code": f"{county}-police", "name": f"{cname}公安局", "center": county, "mode": "resident"})
        departments.append({"code": f"{county}-justice", "name": f"{cname}司法局", "center": county, "mode": "resident"})
        cams.append({"id": f"cam-{county}", "name": f"{cname}广场", "center": county,
                     "sub_url": f"sim://?w=320&h=180&fps=5&label={county}"})
        for ti in range(2):
            town = f"{county}{101 + ti:03d}"
            centers.append({"code": town, "name": f"{cname}{'东西'[ti]}镇综治中心", "level": 3,
                            "parent": county, "lat": 23.3 + ci * 0.2 + ti * 0.05, "lon": 104.1 + ci * 0.3 + ti * 0.05})
            cams.append({"id": f"cam-{town}", "name": f"{'东西'[ti]}镇路口", "center": town,
                         "sub_url": f"sim://?w=320&h=180&fps=5&label={town}"})
            for vi in range(2):
                village = f"{town}{201 + vi:03d}"
                centers.append({"code": village, "name": f"{'东西'[ti]}镇{'上下'[vi]}村综治中心", "level": 4,
                                "parent": town, "lat": 23.3 + ci * 0.2 + ti * 0.05 + vi * 0.01,
                                "lon": 104.1 + ci * 0.3 + ti * 0.05 + vi * 0.01})
                cams.append({"id": f"cam-{village}", "name": f"{'上下'[vi]}村村口", "center": village,
                             "sub_url": f"sim://?w=320&h=180&fps=5&label={village}"})
    return {"name": "test", "centers": centers, "departments": departments,
            "cameras": cams if cameras else []}


def load_small(session: Session) -> Any:
    deployment = parse_deployment(small_deployment_dict())
    import_deployment(session, deployment)
    return deployment


def operator(path: str = PREFECTURE, *roles: Role) -> Principal:
    return Principal(actor="op1", center_path=path,
                     roles=frozenset(roles or {Role.OPERATOR, Role.LEADER, Role.DUTY_OFFICER}),
                     name="测试调度员")


def make_case(session: Session, center: str, title: str = "邻里纠纷", **kw: Any) -> Case:
    intake = parse_intake({"title": title, "kind": kw.pop("kind", "dispute"),
                           "channel": kw.pop("channel", "walk_in"), "center": center, **kw})
    case, _ = report_case(session, operator(), intake, sla=Sla.build(), now=datetime.now(UTC))
    return case
