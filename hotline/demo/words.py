"""The words synthetic records are made of: names, places, violation types, exam sites, stations."""

from __future__ import annotations

from typing import NamedTuple

# Common surnames, the most frequent repeated so they come up more often (王 李 张 刘 陈 lead nationally;
# 陈 林 黄 lead in Fujian).
SURNAMES = tuple(
    "陈陈陈陈林林林林黄黄黄王王王李李张张刘刘吴吴郑郑杨蔡许谢洪曾苏周庄柯叶邱卢江方何罗赖"
    "高胡徐朱彭傅詹颜施魏杜沈廖肖钟戴游余欧阳"
)
# Two-character surnames appear now and then.
COMPOUND_SURNAMES = ("欧阳", "司马", "上官")
GIVEN_CHARACTERS = tuple(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬志鹏宇浩然梓涵"
    "子轩欣怡雨泽俊辉建国建华淑珍丽娟晓峰婷婷思远嘉怡文博佳琪文杰晨曦一鸣诗涵国强海燕"
)

# Xiamen roads and places where cameras record violations.
LOCATIONS = (
    "厦门市思明区湖滨南路与湖滨中路交叉口",
    "厦门市思明区厦禾路嘉禾路口",
    "厦门市湖里区仙岳路钟宅湾大桥段",
    "厦门市湖里区成功大道高林立交",
    "厦门市集美区集美大道杏林湾路口",
    "厦门市海沧区海沧大道海沧大桥收费站",
    "厦门市同安区同集中路西柯段",
    "厦门市翔安区翔安南路翔安隧道出口",
    "福州市鼓楼区五四路树兜路口",
    "泉州市丰泽区泉秀街田安路口",
    "沈海高速公路K2065+300米",
    "厦门市思明区环岛路会展中心段",
)


class ViolationKind(NamedTuple):
    code: str
    description: str
    fine_cny: int
    points: int


# Common violations with the fines and points Fujian applies (points per the 2022 scoring rules).
VIOLATIONS = (
    ViolationKind("1039", "机动车违反规定停放、临时停车，驾驶人不在现场的", 150, 0),
    ViolationKind("1039", "机动车违反规定停放、临时停车，驾驶人不在现场的", 150, 0),
    ViolationKind("1344", "机动车违反禁止标线指示的", 200, 1),
    ViolationKind("1345", "机动车违反禁令标志指示的", 200, 1),
    ViolationKind("1345", "机动车违反禁令标志指示的", 200, 1),
    ViolationKind(
        "1352", "驾驶中型以上载客载货汽车、危险物品运输车辆以外的其他机动车行驶超过规定时速10%未达20%的", 50, 0
    ),
    ViolationKind("6011", "驾驶人未按规定使用安全带的", 50, 1),
    ViolationKind("1223", "驾驶机动车有拨打、接听手持电话等妨碍安全驾驶的行为的", 50, 3),
    ViolationKind("1301", "机动车逆向行驶的", 200, 3),
    ViolationKind("1357", "驾驶机动车不按规定避让行人的", 200, 3),
    ViolationKind("1625", "驾驶机动车违反道路交通信号灯通行的", 200, 6),
    ViolationKind(
        "16360",
        "驾驶中型以上载客载货汽车、危险物品运输车辆以外的其他机动车在高速公路行驶超过规定时速50%以上的",
        2000,
        12,
    ),
)
ORDINARY_VIOLATIONS = VIOLATIONS[:-1]

ORGANISATION_NAMES = {
    "transport": ("厦门鹭江运输有限公司", "厦门海湾物流有限公司", "福建闽运客运有限公司", "厦门嘉禾出租汽车有限公司"),
    "driving_school": ("厦门顺安驾驶培训有限公司", "厦门通达机动车驾驶员培训中心"),
    "dealer": ("厦门盛世汽车销售服务有限公司", "厦门远航汽车贸易有限公司"),
    "hospital": ("厦门市第一医院",),
    "school": ("厦门市湖里中学",),
    "government": ("厦门市思明区环境卫生中心",),
}

EXAM_SITES = (
    ("XMJM", "厦门市车管所集美考场"),
    ("XMXA", "厦门市车管所翔安考场"),
)
INSPECTION_STATIONS = (
    ("XM001", "厦门市湖里区机动车检测站"),
    ("XM002", "厦门市集美区机动车检测中心"),
    ("XM003", "厦门市同安区机动车检测站"),
)
