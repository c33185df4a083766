"""Plausible Chinese names for generated places and people, from syllable lists.

Place names of 文山 mix Han words (新街, 平坝) with Zhuang and Miao loans (者, 那, 董, 阿,
倮, 腊); two syllables plus a suffix (镇, 乡, 村委会, 社区) reads like the real registry.
"""

from __future__ import annotations

import random

PLACE_FIRST = (
    "者那董阿倮腊达戛平新大小上下中东西南北龙凤马白黑红石德厚阳明坝木古布八"
    "老龙坡落水田岩底盘干高里八宝砚广珠富谷板法洒猛舍"
)
PLACE_SECOND = (
    "兴安和平宁丰城街坝坪寨沟冲箐岩田营河塘堡桥湾庄林花溪口山岭坡湖甸子"
    "龙渡达乐勐竜谷洞浪海厂场嘎黑母底"
)
SURNAMES = (
    "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "蒋蔡余杜叶程苏魏吕丁任沈姚卢姜钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江"
    "侬农陶项龙普沙"
)
GIVEN = (
    "国华明兴光文秀英芳丽军平强勇林春梅兰红云海德福才成忠正学志永建发贵玉珍琼"
    "仙美荣富昌云鹏桂香春燕艳丹娟刚斌涛磊洪波应开顺"
)


def place_name(rng: random.Random, taken: set[str]) -> str:
    """Two syllables, unique within ``taken`` (which it extends)."""
    for _ in range(200):
        name = rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND)
        if name not in taken and name[0] != name[1]:
            taken.add(name)
            return name
    name = rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND) + rng.choice(PLACE_SECOND)
    taken.add(name)
    return name


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given
