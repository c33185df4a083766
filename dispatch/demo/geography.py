"""The generated prefecture: a deployment shaped like 文山州 (532600).

1 prefecture, its 8 counties (real 行政区划 codes and names), 104 townships and 1016
villages spread unevenly the way real counties are, grids (文山 has about 42,700) with about
1.8 grid workers each, one 十联户 unit per grid (grids there hold 10–30 households, the size of
a unit), and departments: the resident four (公安, 司法, 信访, 政法委) and the rotating nine at
the prefecture and every county, the resident ones and some rotating ones at townships, and
each village's mediation committee (村调委会), which handles the small matters in the village.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from config.deployment import (
    CenterEntry,
    DepartmentEntry,
    Deployment,
    GridEntry,
    UnitEntry,
    verify_deployment,
)
from dispatch.demo.holidays import HOLIDAYS
from dispatch.demo.names import person_name, place_name
from dispatch.types import DepartmentMode

PREFECTURE = ("532600", "文山壮族苗族自治州", 23.37, 104.24)
#: code, name, centre lat/lon, townships, villages (sums: 104 and 1016).
COUNTIES: tuple[tuple[str, str, float, float, int, int], ...] = (
    ("532601", "文山市", 23.37, 104.23, 17, 145),
    ("532622", "砚山县", 23.61, 104.34, 11, 105),
    ("532623", "西畴县", 23.44, 104.67, 9, 72),
    ("532624", "麻栗坡县", 23.13, 104.70, 11, 102),
    ("532625", "马关县", 23.01, 104.39, 13, 124),
    ("532626", "丘北县", 24.05, 104.19, 12, 106),
    ("532627", "广南县", 24.05, 105.05, 18, 185),
    ("532628", "富宁县", 23.63, 105.63, 13, 177),
)
DEFAULT_GRIDS = 42_700
R = DepartmentMode.RESIDENT
T = DepartmentMode.ROTATING
#: key, name at prefecture/county, name at township (None: not at townships), mode.
DEPARTMENTS: tuple[tuple[str, str, str | None, DepartmentMode], ...] = (
    ("police", "公安局", "派出所", R),
    ("judicial", "司法局", "司法所", R),
    ("petition", "信访局", "信访办", R),
    ("politics_law", "政法委", "政法委员办公室", R),
    ("court", "人民法院", "人民法庭", T),
    ("procuratorate", "人民检察院", None, T),
    ("housing", "住房和城乡建设局", "村镇建设服务中心", T),
    ("hrss", "人力资源和社会保障局", "劳动保障所", T),
    ("health", "卫生健康局", "卫生院", T),
    ("agriculture", "农业农村局", "农业农村服务中心", T),
    ("forestry", "林业和草原局", "林业站", T),
    ("water", "水务局", "水务站", T),
    ("natural_resources", "自然资源局", "自然资源所", T),
)
#: Share of townships hosting each rotating department (the resident four are everywhere).
TOWNSHIP_ROTATING = 0.35
VILLAGE_DEPARTMENT = ("mediation", "人民调解委员会", R)


@dataclass
class Geography:
    """The deployment plus what the case generator needs to know about it."""

    deployment: Deployment
    #: Village code → relative population weight (where cases come from).
    village_weight: dict[str, float] = field(default_factory=dict)
    #: Village code → grid codes.
    village_grids: dict[str, list[str]] = field(default_factory=dict)


def _split(rng: random.Random, total: int, parts: int, minimum: int) -> list[int]:
    """``total`` spread unevenly over ``parts`` (each at least ``minimum``)."""
    weights = [rng.lognormvariate(0, 0.45) for _ in range(parts)]
    spare = total - minimum * parts
    raw = [spare * w / sum(weights) for w in weights]
    counts = [minimum + int(x) for x in raw]
    order = sorted(range(parts), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _near(rng: random.Random, lat: float, lon: float, spread: float) -> tuple[float, float]:
    return (
        round(min(24.5, max(23.0, lat + rng.uniform(-spread, spread))), 5),
        round(min(106.0, max(103.5, lon + rng.uniform(-spread, spread) * 1.2)), 5),
    )


def _center(
    code: str, place: str, level: int, parent: str | None, at: tuple[float, float]
) -> CenterEntry:
    """The 综治中心 of ``place`` at ``at`` (lat, lon)."""
    lat, lon = at
    return CenterEntry(
        code=code, name=f"{place}综治中心", level=level, parent=parent, lat=lat, lon=lon
    )


def build_geography(seed: int = 1, *, grids: int = DEFAULT_GRIDS) -> Geography:
    """The prefecture for ``seed``; ``grids`` is spread over villages by population."""
    if grids < 1016:
        raise ValueError(f"grids={grids}: every one of the 1016 villages needs a grid")
    rng = random.Random(f"geography:{seed}")
    code, name, lat, lon = PREFECTURE
    centers = [_center(code, name, 1, None, (lat, lon))]
    departments = _departments(rng, code, "文山州", None, 1)
    villages: list[CenterEntry] = []
    weights: dict[str, float] = {}
    for c_code, c_name, c_lat, c_lon, n_towns, n_villages in COUNTIES:
        centers.append(_center(c_code, c_name, 2, code, (c_lat, c_lon)))
        departments += _departments(rng, c_code, c_name, None, 2)
        taken: set[str] = set()
        streets = 2 if n_towns > 12 else 1  # the county seat's 街道
        for t, n_v in enumerate(_split(rng, n_villages, n_towns, 3)):
            street = t < streets
            t_code = f"{c_code}{(t + 1) if street else 100 + t + 1 - streets:03d}"
            t_name = place_name(rng, taken) + ("街道" if street else rng.choice(("镇", "镇", "乡")))
            t_lat, t_lon = _near(rng, c_lat, c_lon, 0.05 if street else 0.28)
            centers.append(_center(t_code, t_name, 3, c_code, (t_lat, t_lon)))
            departments += _departments(rng, t_code, t_name, c_name, 3)
            v_taken: set[str] = set()
            for v in range(n_v):
                community = street or v == 0
                v_code = f"{t_code}{(v + 1) if community else 200 + v:03d}"
                v_name = place_name(rng, v_taken) + ("社区" if community else "村委会")
                v_lat, v_lon = _near(rng, t_lat, t_lon, 0.02 if street else 0.07)
                village = _center(v_code, v_name, 4, t_code, (v_lat, v_lon))
                villages.append(village)
                weights[v_code] = rng.lognormvariate(0, 0.5) * (2.5 if community else 1.0)
                key, dname, mode = VILLAGE_DEPARTMENT
                departments.append(
                    DepartmentEntry(
                        code=f"{v_code}-{key}", name=f"{v_name}{dname}", center=v_code, mode=mode
                    )
                )
    centers += villages
    grid_entries, units, village_grids = _grids(rng, villages, weights, grids)
    deployment = Deployment(
        name="文山州综治中心（演示）",
        centers=centers,
        grids=grid_entries,
        units=units,
        departments=departments,
        holidays=HOLIDAYS,
    )
    verify_deployment(deployment)
    return Geography(deployment, weights, village_grids)


def demo_deployment(seed: int = 1, *, grids: int = DEFAULT_GRIDS) -> Deployment:
    """The generated prefecture as a deployment (write it out as TOML, import it elsewhere)."""
    return build_geography(seed, grids=grids).deployment


def _departments(
    rng: random.Random, code: str, place: str, county: str | None, level: int
) -> list[DepartmentEntry]:
    out = []
    for key, upper, township, mode in DEPARTMENTS:
        if level == 3 and (township is None or (mode == T and rng.random() > TOWNSHIP_ROTATING)):
            continue
        name = f"{place}{township if level == 3 else upper}"
        out.append(DepartmentEntry(code=f"{code}-{key}", name=name, center=code, mode=mode))
    return out


def _grids(
    rng: random.Random, villages: list[CenterEntry], weights: dict[str, float], total: int
) -> tuple[list[GridEntry], list[UnitEntry], dict[str, list[str]]]:
    w_sum = sum(weights.values())
    counts = [max(1, int(total * weights[v.code] / w_sum)) for v in villages]
    i = 0
    while sum(counts) != total:  # settle rounding, spread over villages
        step = 1 if sum(counts) < total else -1
        if counts[i % len(counts)] + step >= 1:
            counts[i % len(counts)] += step
        i += 7
    grids: list[GridEntry] = []
    units: list[UnitEntry] = []
    by_village: dict[str, list[str]] = {}
    for village, n in zip(villages, counts, strict=True):
        short = village.name.removesuffix("综治中心")
        codes = by_village.setdefault(village.code, [])
        for g in range(n):
            g_code = f"{village.code}{g + 1:03d}"
            micro = rng.random() < 0.56  # 24,000 of 42,700 are 10-household micro-grids
            households = 10 if micro else rng.randint(20, 30)
            lat, lon = _near(rng, village.lat or 23.4, village.lon or 104.2, 0.008)
            grids.append(
                GridEntry(
                    code=g_code,
                    name=f"{short}第{g + 1}网格",
                    center=village.code,
                    households=households,
                    grid_workers=rng.choices((1, 2, 3), (0.3, 0.6, 0.1))[0],
                    lat=lat,
                    lon=lon,
                )
            )
            units.append(
                UnitEntry(
                    code=f"{g_code}01", grid=g_code, households=households, head=person_name(rng)
                )
            )
            codes.append(g_code)
    return grids, units, by_village
