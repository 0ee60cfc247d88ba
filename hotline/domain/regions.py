"""Names of the region codes (行政区划代码, GB/T 2260) the hotline meets, in Chinese and English.

Announcements and their subscriptions are keyed by a 6-digit region code (`350203`); a citizen knows the
place as 思明区, not as a number. The table covers the provinces, the cities of Fujian and the districts
the project serves and ships in its demo (hotline/demo/numbers.py); a code it does not name is said as
the code itself, so a text never loses its place. Add a district here when the service reaches it.
"""

from __future__ import annotations

# code -> (Chinese, English)
PROVINCES = {
    "110000": ("北京市", "Beijing"), "120000": ("天津市", "Tianjin"), "130000": ("河北省", "Hebei Province"),
    "140000": ("山西省", "Shanxi Province"), "150000": ("内蒙古自治区", "Inner Mongolia"),
    "210000": ("辽宁省", "Liaoning Province"), "220000": ("吉林省", "Jilin Province"),
    "230000": ("黑龙江省", "Heilongjiang Province"), "310000": ("上海市", "Shanghai"),
    "320000": ("江苏省", "Jiangsu Province"), "330000": ("浙江省", "Zhejiang Province"),
    "340000": ("安徽省", "Anhui Province"), "350000": ("福建省", "Fujian Province"),
    "360000": ("江西省", "Jiangxi Province"), "370000": ("山东省", "Shandong Province"),
    "410000": ("河南省", "Henan Province"), "420000": ("湖北省", "Hubei Province"),
    "430000": ("湖南省", "Hunan Province"), "440000": ("广东省", "Guangdong Province"),
    "450000": ("广西壮族自治区", "Guangxi"), "460000": ("海南省", "Hainan Province"),
    "500000": ("重庆市", "Chongqing"), "510000": ("四川省", "Sichuan Province"),
    "520000": ("贵州省", "Guizhou Province"), "530000": ("云南省", "Yunnan Province"),
    "540000": ("西藏自治区", "Tibet"), "610000": ("陕西省", "Shaanxi Province"),
    "620000": ("甘肃省", "Gansu Province"), "630000": ("青海省", "Qinghai Province"),
    "640000": ("宁夏回族自治区", "Ningxia"), "650000": ("新疆维吾尔自治区", "Xinjiang"),
}

CITIES = {
    "350100": ("福州市", "Fuzhou"), "350200": ("厦门市", "Xiamen"), "350300": ("莆田市", "Putian"),
    "350400": ("三明市", "Sanming"), "350500": ("泉州市", "Quanzhou"), "350600": ("漳州市", "Zhangzhou"),
    "350700": ("南平市", "Nanping"), "350800": ("龙岩市", "Longyan"), "350900": ("宁德市", "Ningde"),
    # the cities of the districts below, outside Fujian (a municipality's districts belong to it)
    "110100": ("北京市", "Beijing"), "310100": ("上海市", "Shanghai"), "320100": ("南京市", "Nanjing"),
    "330100": ("杭州市", "Hangzhou"), "340100": ("合肥市", "Hefei"), "360100": ("南昌市", "Nanchang"),
    "370100": ("济南市", "Jinan"), "410100": ("郑州市", "Zhengzhou"), "420100": ("武汉市", "Wuhan"),
    "430100": ("长沙市", "Changsha"), "440100": ("广州市", "Guangzhou"), "440300": ("深圳市", "Shenzhen"),
    "450100": ("南宁市", "Nanning"), "500100": ("重庆市", "Chongqing"), "510100": ("成都市", "Chengdu"),
    "610100": ("西安市", "Xi'an"),
}

DISTRICTS = {
    # Xiamen
    "350203": ("思明区", "Siming District"), "350205": ("海沧区", "Haicang District"),
    "350206": ("湖里区", "Huli District"), "350211": ("集美区", "Jimei District"),
    "350212": ("同安区", "Tong'an District"), "350213": ("翔安区", "Xiang'an District"),
    # Fuzhou
    "350102": ("鼓楼区", "Gulou District"), "350103": ("台江区", "Taijiang District"),
    "350104": ("仓山区", "Cangshan District"), "350105": ("马尾区", "Mawei District"),
    "350111": ("晋安区", "Jin'an District"), "350112": ("长乐区", "Changle District"),
    "350121": ("闽侯县", "Minhou County"), "350181": ("福清市", "Fuqing"),
    # Putian, Sanming
    "350302": ("城厢区", "Chengxiang District"), "350303": ("涵江区", "Hanjiang District"),
    "350402": ("梅列区", "Meilie District"),
    # Quanzhou
    "350502": ("鲤城区", "Licheng District"), "350503": ("丰泽区", "Fengze District"),
    "350504": ("洛江区", "Luojiang District"), "350505": ("泉港区", "Quangang District"),
    "350521": ("惠安县", "Hui'an County"), "350582": ("晋江市", "Jinjiang"), "350583": ("南安市", "Nan'an"),
    # Zhangzhou
    "350602": ("芗城区", "Xiangcheng District"), "350603": ("龙文区", "Longwen District"),
    "350623": ("漳浦县", "Zhangpu County"), "350681": ("龙海市", "Longhai"),
    # Nanping, Longyan, Ningde
    "350702": ("延平区", "Yanping District"), "350802": ("新罗区", "Xinluo District"),
    "350902": ("蕉城区", "Jiaocheng District"),
    # elsewhere
    "110101": ("东城区", "Dongcheng District"), "110105": ("朝阳区", "Chaoyang District"),
    "110108": ("海淀区", "Haidian District"), "310104": ("徐汇区", "Xuhui District"),
    "310115": ("浦东新区", "Pudong New Area"), "320102": ("玄武区", "Xuanwu District"),
    "330106": ("西湖区", "Xihu District"), "340104": ("蜀山区", "Shushan District"),
    "360102": ("东湖区", "Donghu District"), "370102": ("历下区", "Lixia District"),
    "410105": ("金水区", "Jinshui District"), "420106": ("武昌区", "Wuchang District"),
    "430104": ("岳麓区", "Yuelu District"), "440106": ("天河区", "Tianhe District"),
    "440305": ("南山区", "Nanshan District"), "450103": ("青秀区", "Qingxiu District"),
    "500103": ("渝中区", "Yuzhong District"), "510104": ("锦江区", "Jinjiang District"),
    "610113": ("雁塔区", "Yanta District"),
}

NATIONWIDE = ("全国", "the whole country")


def _pick(names: tuple[str, str], language: str) -> str:
    return names[1] if language == "en" else names[0]


def region_name(area: str | None, language: str = "zh-CN") -> str:
    """`350203` -> `厦门市思明区` / `Siming District, Xiamen`; a city (`350200`) or province (`350000`) code
    its own name; `all` -> 全国 / the whole country. A code not in the table is said as a code: `地区359999`."""
    if not area:
        return ""
    if area == "all":
        return _pick(NATIONWIDE, language)
    names = PROVINCES.get(area) or CITIES.get(area)  # province codes end 0000, a city's xx00: never both
    if names:
        return _pick(names, language)
    if area in DISTRICTS:
        district = _pick(DISTRICTS[area], language)
        city = CITIES.get(f"{area[:4]}00")
        if city is None:
            return district
        city_name = _pick(city, language)
        return f"{district}, {city_name}" if language == "en" else f"{city_name}{district}"
    return f"area {area}" if language == "en" else f"地区{area}"
