"""Vehicles and plates: the letters and codes GA 36 and the GA status table fix."""

from __future__ import annotations

# A plate's first character: the province-level abbreviation (GA 36).
PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# What people and phones put between a plate's characters: display dots of several scripts and spaces.
PLATE_SEPARATORS = "·.•・ \u3000"

# GA 36 plate types; 51 and 52 are the new-energy plates with 8 characters.
PLATE_TYPES = {
    "01": "大型汽车",
    "02": "小型汽车",
    "03": "使馆汽车",
    "04": "领馆汽车",
    "05": "境外汽车",
    "06": "外籍汽车",
    "07": "普通摩托车",
    "08": "轻便摩托车",
    "13": "低速车",
    "14": "拖拉机",
    "15": "挂车",
    "16": "教练汽车",
    "17": "教练摩托车",
    "22": "临时行驶车",
    "23": "警用汽车",
    "24": "警用摩托",
    "51": "大型新能源汽车",
    "52": "小型新能源汽车",
}
NEW_ENERGY_PLATE_TYPES = frozenset({"51", "52"})

# Vehicle status letters: transferred out (B 转出), deregistered (E 注销) or forcibly deregistered
# (M 强制注销). Such a vehicle is no longer its owner's business at this office: no reminder is planned or
# sent for it.
GONE_VEHICLE = frozenset("BEM")
