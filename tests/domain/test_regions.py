"""Region codes are said as places: every district the demo ships, its city and its province, in both languages."""

from __future__ import annotations

import pytest

from hotline.demo.numbers import FUJIAN_DISTRICTS, OTHER_DISTRICTS
from hotline.domain.regions import region_name


@pytest.mark.parametrize("area", sorted(set(FUJIAN_DISTRICTS + OTHER_DISTRICTS)))
def test_every_district_the_demo_ships_is_named_with_its_city_and_province(area):
    for code in (area, f"{area[:4]}00", f"{area[:2]}0000"):
        assert code not in region_name(code) and code not in region_name(code, "en"), code
        assert area not in region_name(code) and area not in region_name(code, "en")


def test_a_district_is_named_with_its_city_and_an_unknown_code_stays_a_code():
    assert region_name("350203") == "厦门市思明区"
    assert region_name("350203", "en") == "Siming District, Xiamen"
    assert (region_name("all"), region_name("all", "en")) == ("全国", "the whole country")
    assert (region_name("350299"), region_name("350299", "en")) == ("地区350299", "area 350299")
