"""Values the deployment file and the domain share: kinds of matter, complexity, risk grades,
department modes. Stored as plain strings; ``dispatch.types`` re-exports them beside the
domain's own enumerations (config sits at the bottom and imports nothing of the product).
"""

from __future__ import annotations

from enum import StrEnum


class CaseKind(StrEnum):
    DISPUTE = "dispute"  # 矛盾纠纷
    HAZARD = "hazard"  # 安全隐患
    SERVICE_REQUEST = "service_request"  # 民生诉求
    PETITION = "petition"  # 信访
    SPECIAL_POPULATION = "special_population"  # 特殊人群
    EMERGENCY = "emergency"  # 突发事件
    GATHERING = "gathering"  # 聚集活动


class Complexity(StrEnum):
    """How much handling a matter needs; selects the SLA deadline with the risk grade."""

    EMERGENCY = "emergency"  # hours
    SIMPLE = "simple"  # 1 working day
    ORDINARY = "ordinary"  # 7 working days
    COMPLEX = "complex"  # 20 working days


class Risk(StrEnum):
    HIGH = "high"  # 高
    MEDIUM = "medium"  # 中
    LOW = "low"  # 低


class DepartmentMode(StrEnum):
    RESIDENT = "resident"  # 常驻
    ROTATING = "rotating"  # 轮驻
