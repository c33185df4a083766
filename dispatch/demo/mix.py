"""The mixes of generated cases, as declarations: kinds, sub-kinds, channels, risk, levels.

Shares follow the articles: grid workers report most matters, most are low risk, and most are
settled in the village or the township (小事不出村、大事不出乡); a few go up to the county and
very few to the prefecture.
"""

from __future__ import annotations

from dispatch.desk.vocabulary import SubKind as SK
from dispatch.types import CaseKind as K
from dispatch.types import Channel as C

#: kind → (share, 12 monthly factors: wage disputes before 春节, hazards in the rainy season).
KINDS: dict[K, tuple[float, tuple[float, ...]]] = {
    K.DISPUTE: (45, (1.3, 1.35, 1.1, 1.1, 1, 0.9, 0.9, 0.9, 0.95, 0.95, 1, 1.25)),
    K.HAZARD: (16, (0.7, 0.7, 0.8, 0.9, 1.1, 1.5, 1.6, 1.5, 1.2, 0.9, 0.8, 0.7)),
    K.SERVICE_REQUEST: (25, (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)),
    K.PETITION: (5, (1.2, 1.3, 1.3, 1, 1, 0.9, 0.9, 0.9, 1.1, 1.2, 1, 1)),
    K.SPECIAL_POPULATION: (5, (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)),
    K.EMERGENCY: (3, (1.1, 1.2, 0.9, 0.9, 1, 1.3, 1.4, 1.3, 1, 0.9, 0.9, 1)),
    K.GATHERING: (1, (1.2, 1.4, 1, 1, 1, 0.9, 0.9, 0.9, 1, 1.1, 1, 1.2)),
}

#: kind → [(title, share)]; a title reads "<village> <title>".
TITLES: dict[K, tuple[tuple[str, float], ...]] = {
    K.DISPUTE: (
        ("婚姻家庭纠纷", 22),
        ("邻里纠纷", 20),
        ("土地山林权属纠纷", 16),
        ("劳资欠薪纠纷", 12),
        ("宅基地纠纷", 8),
        ("物业纠纷", 5),
        ("医疗纠纷", 3),
        ("交通事故赔偿纠纷", 6),
        ("消费纠纷", 4),
        ("婚恋彩礼纠纷", 4),
    ),
    K.HAZARD: (
        ("地质灾害隐患点巡查异常", 18),
        ("危房安全隐患", 20),
        ("道路交通安全隐患", 18),
        ("消防安全隐患", 16),
        ("水库河道安全隐患", 12),
        ("校园周边安全隐患", 8),
        ("燃气安全隐患", 8),
    ),
    K.SERVICE_REQUEST: (
        ("饮水管网维修诉求", 18),
        ("道路破损修复诉求", 16),
        ("医保社保办理咨询", 14),
        ("农村低保申请诉求", 12),
        ("环境卫生整治诉求", 14),
        ("路灯维修诉求", 10),
        ("用电线路诉求", 8),
        ("农业技术服务诉求", 8),
    ),
    K.PETITION: (
        ("征地补偿信访", 35),
        ("拆迁安置信访", 25),
        ("涉法涉诉信访", 20),
        ("劳动保障信访", 20),
    ),
    K.SPECIAL_POPULATION: (
        ("社区矫正对象动态", 30),
        ("严重精神障碍患者随访", 35),
        ("刑满释放人员帮教", 20),
        ("吸毒人员管控", 15),
    ),
    K.EMERGENCY: (
        ("火情处置", 30),
        ("山体滑坡险情", 20),
        ("道路交通事故", 30),
        ("溺水险情", 10),
        ("人员走失", 10),
    ),
    K.GATHERING: (("聚集讨薪", 50), ("群体性聚集", 30), ("围堵施工现场", 20)),
}

#: title → the sub-kind it is filed under.
TITLE_SUB_KIND: dict[str, SK] = {
    "婚姻家庭纠纷": SK.FAMILY, "邻里纠纷": SK.NEIGHBOUR, "土地山林权属纠纷": SK.LAND,
    "劳资欠薪纠纷": SK.LABOUR_WAGES, "宅基地纠纷": SK.HOMESTEAD, "物业纠纷": SK.PROPERTY,
    "医疗纠纷": SK.MEDICAL, "交通事故赔偿纠纷": SK.TRAFFIC_COMPENSATION, "消费纠纷": SK.CONSUMER,
    "婚恋彩礼纠纷": SK.BETROTHAL,
    "地质灾害隐患点巡查异常": SK.GEOLOGICAL, "危房安全隐患": SK.DILAPIDATED_BUILDING,
    "道路交通安全隐患": SK.ROAD_SAFETY, "消防安全隐患": SK.FIRE_SAFETY,
    "水库河道安全隐患": SK.RESERVOIR_RIVER, "校园周边安全隐患": SK.SCHOOL_SURROUNDINGS,
    "燃气安全隐患": SK.GAS,
    "饮水管网维修诉求": SK.WATER_SUPPLY, "道路破损修复诉求": SK.ROAD_REPAIR,
    "医保社保办理咨询": SK.SOCIAL_INSURANCE, "农村低保申请诉求": SK.SUBSISTENCE,
    "环境卫生整治诉求": SK.SANITATION, "路灯维修诉求": SK.STREET_LIGHT,
    "用电线路诉求": SK.ELECTRICITY, "农业技术服务诉求": SK.FARMING_SERVICE,
    "征地补偿信访": SK.LAND_COMPENSATION, "拆迁安置信访": SK.RELOCATION,
    "涉法涉诉信访": SK.LITIGATION, "劳动保障信访": SK.LABOUR_SECURITY,
    "社区矫正对象动态": SK.COMMUNITY_CORRECTION, "严重精神障碍患者随访": SK.MENTAL_HEALTH,
    "刑满释放人员帮教": SK.RELEASED_PRISONER, "吸毒人员管控": SK.DRUG_USER,
    "火情处置": SK.FIRE, "山体滑坡险情": SK.LANDSLIDE, "道路交通事故": SK.TRAFFIC_ACCIDENT,
    "溺水险情": SK.DROWNING, "人员走失": SK.MISSING_PERSON,
    "聚集讨薪": SK.WAGE_PROTEST, "群体性聚集": SK.MASS_GATHERING, "围堵施工现场": SK.SITE_BLOCKADE,
}  # fmt: skip

_CHANNELS = (
    C.GRID_WORKER,
    C.HOTLINE_12345,
    C.POLICE_PUSH,
    C.CITIZEN_SNAPSHOT,
    C.WALK_IN,
    C.HANDED_DOWN,
    C.CAMERA_ALERT,
    C.REFERRAL,
)
#: kind → weights over _CHANNELS.
CHANNEL_WEIGHTS: dict[K, tuple[float, ...]] = {
    K.DISPUTE: (52, 14, 12, 4, 10, 3, 0, 5),
    K.HAZARD: (55, 12, 3, 18, 3, 4, 5, 0),
    K.SERVICE_REQUEST: (45, 30, 0, 15, 7, 3, 0, 0),
    K.PETITION: (15, 25, 0, 2, 33, 25, 0, 0),
    K.SPECIAL_POPULATION: (80, 0, 10, 0, 2, 6, 0, 2),
    K.EMERGENCY: (35, 15, 25, 8, 2, 3, 12, 0),
    K.GATHERING: (40, 5, 20, 5, 5, 5, 20, 0),
}
CHANNELS = _CHANNELS

#: kind → (high, medium, low) risk weights.
RISK_WEIGHTS: dict[K, tuple[float, float, float]] = {
    K.DISPUTE: (1.5, 9, 89.5),
    K.HAZARD: (4, 18, 78),
    K.SERVICE_REQUEST: (0.3, 5, 94.7),
    K.PETITION: (6, 30, 64),
    K.SPECIAL_POPULATION: (5, 25, 70),
    K.EMERGENCY: (20, 45, 35),
    K.GATHERING: (30, 50, 20),
}

#: kind → weights of the level that settles it (4 village, 3 township, 2 county, 1 prefecture).
LEVEL_WEIGHTS: dict[K, tuple[float, float, float, float]] = {
    K.DISPUTE: (68, 25, 6.5, 0.5),
    K.HAZARD: (55, 32, 12, 1),
    K.SERVICE_REQUEST: (60, 30, 9.5, 0.5),
    K.PETITION: (25, 45, 27, 3),
    K.SPECIAL_POPULATION: (60, 35, 5, 0),
    K.EMERGENCY: (20, 45, 33, 2),
    K.GATHERING: (15, 45, 37, 3),
}

#: kind → department keys able to lead it, preferred first (village: the mediation committee).
DEPARTMENT_KEYS: dict[K, tuple[str, ...]] = {
    K.DISPUTE: ("judicial", "court", "police", "hrss"),
    K.HAZARD: ("housing", "natural_resources", "water", "forestry", "police"),
    K.SERVICE_REQUEST: ("hrss", "health", "housing", "agriculture", "water"),
    K.PETITION: ("petition", "politics_law"),
    K.SPECIAL_POPULATION: ("judicial", "police", "health"),
    K.EMERGENCY: ("police",),
    K.GATHERING: ("police", "petition"),
}

#: channel → (level of the receiving center, weight) choices.
RECEIVED_AT: dict[C, tuple[tuple[int, float], ...]] = {
    C.GRID_WORKER: ((4, 1),),
    C.CITIZEN_SNAPSHOT: ((4, 1),),
    C.CAMERA_ALERT: ((4, 0.6), (3, 0.4)),
    C.WALK_IN: ((4, 0.5), (3, 0.4), (2, 0.1)),
    C.HOTLINE_12345: ((2, 1),),
    C.POLICE_PUSH: ((2, 0.6), (3, 0.4)),
    C.REFERRAL: ((2, 1),),
    C.HANDED_DOWN: ((1, 0.4), (2, 0.6)),
}

#: Shares of the events along the way.
REFUSED = 0.002
MERGED = 0.0015
RETURNED = 0.03  # 退单 of the lead order
ASSISTED = 0.08  # a 协办 department
REWORKED = 0.02  # 返工 after verification
UNSATISFIED = 0.027  # 不满意 at the return visit (重办)
SATISFIED_FULLY = 0.87  # of satisfied visits, 满意 (the rest 基本满意)
EXTENDED = 0.03  # 延期 (working-day deadlines only)
SUSPENDED = 0.005  # 缓办
LATE = 0.04  # resolved after the deadline
STALLED = 0.001  # stuck past its deadline (older cases), 催办 sent
SIMPLE_SHARE = 0.45  # cases the policy leaves "ordinary" that are in fact simple
COMPLEX_SHARE = 0.08

WEEKDAY = (1.15, 1.1, 1.05, 1.05, 1.0, 0.75, 0.7)
HOLIDAY = 0.7
#: Hour-of-day weights (local time).
HOURS = (
    0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 0.9, 2.0, 4.5, 6.5, 7.0, 6.5, 4.0, 4.0,
    6.0, 6.5, 6.0, 5.0, 3.5, 2.8, 2.4, 1.8, 1.0, 0.6,
)  # fmt: skip
REFUSE_REASONS = (
    "不属于综治中心受理范围，已告知向法院起诉",
    "属民事合同争议，已引导申请仲裁",
    "诉求人撤回诉求",
)
ASSIST_REPORTED = 0.92  # of assists signed, those that report their part before the 办结
ASSIST_FEEDBACK = (
    "已配合现场核实，出具情况说明", "已派员到场协助调解", "已提供相关记录并参与调处",
)  # fmt: skip
RETURN_REASONS = ("不属于本单位职责，请重新派单", "事发地不在本辖区", "需其他部门主办")
