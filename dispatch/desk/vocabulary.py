"""Sub-kinds (子类) of each case kind: the finer category an intake form asks for.

Stored as plain strings in ``cases.sub_kind``. Each value belongs to exactly one kind, except
:attr:`SubKind.OTHER`, valid for every kind. Labels are for documentation and the demo; pages
translate values through their own table.
"""

from __future__ import annotations

from enum import StrEnum

from dispatch.types import CaseKind as K


class SubKind(StrEnum):
    # 矛盾纠纷
    FAMILY = "family"  # 婚姻家庭纠纷
    NEIGHBOUR = "neighbour"  # 邻里纠纷
    LAND = "land"  # 土地山林权属纠纷
    HOMESTEAD = "homestead"  # 宅基地纠纷
    LABOUR_WAGES = "labour_wages"  # 劳资欠薪纠纷
    PROPERTY = "property"  # 物业纠纷
    MEDICAL = "medical"  # 医疗纠纷
    TRAFFIC_COMPENSATION = "traffic_compensation"  # 交通事故赔偿纠纷
    CONSUMER = "consumer"  # 消费纠纷
    BETROTHAL = "betrothal"  # 婚恋彩礼纠纷
    # 安全隐患
    GEOLOGICAL = "geological"  # 地质灾害隐患
    DILAPIDATED_BUILDING = "dilapidated_building"  # 危房
    ROAD_SAFETY = "road_safety"  # 道路交通安全隐患
    FIRE_SAFETY = "fire_safety"  # 消防安全隐患
    RESERVOIR_RIVER = "reservoir_river"  # 水库河道安全隐患
    SCHOOL_SURROUNDINGS = "school_surroundings"  # 校园周边安全隐患
    GAS = "gas"  # 燃气安全隐患
    # 民生诉求
    WATER_SUPPLY = "water_supply"  # 饮水
    ROAD_REPAIR = "road_repair"  # 道路破损
    SOCIAL_INSURANCE = "social_insurance"  # 医保社保
    SUBSISTENCE = "subsistence"  # 低保
    SANITATION = "sanitation"  # 环境卫生
    STREET_LIGHT = "street_light"  # 路灯
    ELECTRICITY = "electricity"  # 用电
    FARMING_SERVICE = "farming_service"  # 农业技术服务
    # 信访
    LAND_COMPENSATION = "land_compensation"  # 征地补偿
    RELOCATION = "relocation"  # 拆迁安置
    LITIGATION = "litigation"  # 涉法涉诉
    LABOUR_SECURITY = "labour_security"  # 劳动保障
    # 特殊人群
    COMMUNITY_CORRECTION = "community_correction"  # 社区矫正对象
    MENTAL_HEALTH = "mental_health"  # 严重精神障碍患者
    RELEASED_PRISONER = "released_prisoner"  # 刑满释放人员
    DRUG_USER = "drug_user"  # 吸毒人员
    # 突发事件
    FIRE = "fire"  # 火情
    LANDSLIDE = "landslide"  # 山体滑坡
    TRAFFIC_ACCIDENT = "traffic_accident"  # 道路交通事故
    DROWNING = "drowning"  # 溺水
    MISSING_PERSON = "missing_person"  # 人员走失
    # 聚集活动
    WAGE_PROTEST = "wage_protest"  # 聚集讨薪
    MASS_GATHERING = "mass_gathering"  # 群体性聚集
    SITE_BLOCKADE = "site_blockade"  # 围堵施工现场
    # any kind
    OTHER = "other"  # 其他


S = SubKind
#: The sub-kinds each kind offers, in the order a form lists them (``other`` last).
SUB_KINDS: dict[K, tuple[SubKind, ...]] = {
    K.DISPUTE: (S.FAMILY, S.NEIGHBOUR, S.LAND, S.HOMESTEAD, S.LABOUR_WAGES, S.PROPERTY,
                S.MEDICAL, S.TRAFFIC_COMPENSATION, S.CONSUMER, S.BETROTHAL, S.OTHER),
    K.HAZARD: (S.GEOLOGICAL, S.DILAPIDATED_BUILDING, S.ROAD_SAFETY, S.FIRE_SAFETY,
               S.RESERVOIR_RIVER, S.SCHOOL_SURROUNDINGS, S.GAS, S.OTHER),
    K.SERVICE_REQUEST: (S.WATER_SUPPLY, S.ROAD_REPAIR, S.SOCIAL_INSURANCE, S.SUBSISTENCE,
                        S.SANITATION, S.STREET_LIGHT, S.ELECTRICITY, S.FARMING_SERVICE, S.OTHER),
    K.PETITION: (S.LAND_COMPENSATION, S.RELOCATION, S.LITIGATION, S.LABOUR_SECURITY, S.OTHER),
    K.SPECIAL_POPULATION: (S.COMMUNITY_CORRECTION, S.MENTAL_HEALTH, S.RELEASED_PRISONER,
                           S.DRUG_USER, S.OTHER),
    K.EMERGENCY: (S.FIRE, S.LANDSLIDE, S.TRAFFIC_ACCIDENT, S.DROWNING, S.MISSING_PERSON,
                  S.OTHER),
    K.GATHERING: (S.WAGE_PROTEST, S.MASS_GATHERING, S.SITE_BLOCKADE, S.OTHER),
}  # fmt: skip
del S


def sub_kinds_of(kind: str) -> tuple[SubKind, ...]:
    """The sub-kinds valid for ``kind`` (empty for an unknown kind)."""
    try:
        return SUB_KINDS[K(kind)]
    except ValueError:
        return ()


def check_sub_kind(kind: str, sub_kind: str) -> SubKind:
    """``sub_kind`` as a :class:`SubKind` when it belongs to ``kind``; ValueError otherwise."""
    allowed = sub_kinds_of(kind)
    if sub_kind not in allowed:
        names = ", ".join(s.value for s in allowed)
        raise ValueError(f"{sub_kind!r} is not a sub-kind of {kind!r} (one of: {names})")
    return SubKind(sub_kind)
