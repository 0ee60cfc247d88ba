"""Valid identifiers for synthetic people: resident IDs, credit codes, plates, VINs and mobile numbers.

The crowd's identifiers are not drawn at random and checked against a set of those already used: with a
million people that set would cost memory and make chunks depend on each other. Each generator is a
bijection from a running number (person `i`, vehicle `v`) into the identifier's space, scrambled by a
multiplication modulo the size of the space, so distinct numbers always give distinct identifiers and any
chunk can be generated on its own. The check characters come from hotline.validation, the same code that
checks them on the way in.

The fixed demo cast (cast.py) takes its identifiers from corners of each space that the crowd never uses
(sequence numbers below 100, plates with five digits, numbers starting 138 0013 8), so the two never collide.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from ..validation import id_check_char, usc_check_char, vin_check_digit

# District codes (GB/T 2260): mostly Fujian, Xiamen first, and some from elsewhere.
FUJIAN_DISTRICTS = (
    "350203 350205 350206 350211 350212 350213 "  # Xiamen: 思明 海沧 湖里 集美 同安 翔安
    "350102 350103 350104 350105 350111 350112 350121 350181 "  # Fuzhou
    "350502 350503 350504 350505 350521 350582 350583 "  # Quanzhou
    "350602 350603 350623 350681 "  # Zhangzhou
    "350302 350303 350402 350702 350802 350902"  # Putian Sanming Nanping Longyan Ningde
).split()
OTHER_DISTRICTS = (
    "110105 110108 310104 310115 320102 330106 340104 360102 "
    "370102 410105 420106 430104 440106 440305 450103 500103 510104 610113"
).split()
DISTRICTS = tuple(FUJIAN_DISTRICTS * 3 + OTHER_DISTRICTS)  # weighted 3:1 towards Fujian

# Mobile prefixes of the three carriers; 138 is left to the demo cast.
MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 139 150 151 152 153 155 156 157 158 159 166 177 180 181 182 183 "
    "185 186 187 188 189 199"
).split()

PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, no O
PLATE_ALNUM = PLATE_LETTERS + "0123456789"


def _coprime_multiplier(size: int, near: float = 0.6180339887) -> int:
    """A multiplier coprime to `size` near the golden ratio of it: consecutive inputs land far apart."""
    multiplier = max(1, int(size * near)) | 1
    while math.gcd(multiplier, size) != 1:
        multiplier += 2
    return multiplier


class Scramble:
    """A bijection of range(size) onto itself; `offset` comes from the seed."""

    def __init__(self, size: int, offset: int = 0) -> None:
        self.size = size
        self.offset = offset % size
        self.multiplier = _coprime_multiplier(size)

    def __call__(self, n: int) -> int:
        if not 0 <= n < self.size:
            raise ValueError(f"{n} is outside a space of {self.size}")
        return (n * self.multiplier + self.offset) % self.size


# --- resident ID numbers ----------------------------------------------------------------------------

CROWD_SEQUENCES = 900  # sequence numbers 100-999; 000-099 belong to the cast


class IdNumbers:
    """Person `i` -> a unique, valid resident ID number born between `oldest` and `youngest`."""

    def __init__(self, oldest: date, youngest: date, seed: int) -> None:
        self.oldest = oldest
        self.days = (youngest - oldest).days + 1
        self.scramble = Scramble(len(DISTRICTS) * self.days * CROWD_SEQUENCES, seed * 7919)

    def __call__(self, i: int) -> str:
        x = self.scramble(i)
        x, sequence = divmod(x, CROWD_SEQUENCES)
        district, day = divmod(x, self.days)
        born = self.oldest + timedelta(days=day)
        return make_id_number(DISTRICTS[district], born, 100 + sequence)


def make_id_number(district: str, born: date, sequence: int) -> str:
    """An ID number; an odd sequence number is a man's, an even one a woman's."""
    first17 = f"{district}{born.year:04d}{born.month:02d}{born.day:02d}{sequence:03d}"  # strftime is slow
    return first17 + id_check_char(first17)


def birth_date(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


# --- unified social credit codes --------------------------------------------------------------------

_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_code_check(body8: str) -> str:
    """GB 11714 check character of the 9-character organisation code inside a credit code."""
    total = sum(int(char) * weight for char, weight in zip(body8, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def make_org_code(n: int, district: str = "350200", registry: str = "91") -> str:
    """Organisation `n` -> a valid credit code. `registry` 91 is a company, 12 a public institution,
    11 a government body. The cast uses n below 1000, the crowd 1000 and up."""
    body8 = f"{(n * 7_654_321 + 13_579_000) % 100_000_000:08d}" if n >= 1000 else f"{70_000_000 + n:08d}"
    first17 = f"{registry}{district}{body8}{_org_code_check(body8)}"
    return first17 + usc_check_char(first17)


# --- mobile numbers ---------------------------------------------------------------------------------


class Mobiles:
    """Person `i` -> a unique mobile number in E.164, never in the cast's 138 range."""

    def __init__(self, seed: int) -> None:
        self.scramble = Scramble(len(MOBILE_PREFIXES) * 100_000_000, seed * 104_729)

    def __call__(self, i: int) -> str:
        prefix, rest = divmod(self.scramble(i), 100_000_000)
        return f"+86{MOBILE_PREFIXES[prefix]}{rest:08d}"


# --- plates -----------------------------------------------------------------------------------------

# Where ordinary plates come from, by weight: Xiamen (闽D) most, the rest of Fujian, a few from elsewhere.
PLATE_PREFIX_WEIGHTS = (
    ("闽D", 55), ("闽A", 8), ("闽C", 8), ("闽E", 6), ("闽F", 3), ("闽B", 3), ("闽G", 2), ("闽H", 2),
    ("闽J", 2), ("闽K", 1), ("粤B", 3), ("浙A", 2), ("沪A", 1), ("京N", 1), ("赣A", 1), ("苏E", 1), ("川A", 1),
)
_WEIGHTED_PREFIXES = tuple(prefix for prefix, weight in PLATE_PREFIX_WEIGHTS for _ in range(weight))
# Ordinary crowd serials: three letters-or-digits with at least one letter, then two digits (闽D·3A912).
# The cast's plates are five digits, which this space never produces.
_LEADS = tuple(
    a + b + c for a in PLATE_ALNUM for b in PLATE_ALNUM for c in PLATE_ALNUM
    if not (a.isdigit() and b.isdigit() and c.isdigit())
)
_NE_CITIES = "DACE"  # new-energy plates are local: Xiamen, Fuzhou, Quanzhou, Zhangzhou
_NE_LEADS = PLATE_ALNUM.replace("0", "")  # the cast's small new-energy plates have 0 there


class Plates:
    """Vehicle `v` -> a unique plate of the requested shape.

    Vehicle numbers: a person's first vehicle is `i`, a second one `people + i`, an organisation's
    `2 * people + j`. Each shape is its own space and its characters are a scramble of `v`, so two
    vehicles never share a plate. The prefix of an ordinary plate is chosen from the serial itself
    (weighted towards 闽D), which keeps the mapping one-to-one.
    """

    def __init__(self, vehicles: int, seed: int) -> None:
        self.ordinary = Scramble(len(_LEADS) * 100, seed * 31 + 1)
        self.small_ne = Scramble(len(_NE_CITIES) * 2 * len(_NE_LEADS) * 10_000, seed * 37 + 2)
        self.large_ne = Scramble(len(_NE_CITIES) * 2 * 10_000, seed * 41 + 3)
        if vehicles > self.ordinary.size:
            raise ValueError(f"{vehicles} vehicles do not fit in a plate space of {self.ordinary.size}")

    def ordinary_plate(self, v: int) -> str:
        x = self.ordinary(v)
        lead, serial = divmod(x, 100)
        prefix = _WEIGHTED_PREFIXES[(x * 2_654_435_761) % len(_WEIGHTED_PREFIXES)]
        return f"{prefix}{_LEADS[lead]}{serial:02d}"

    def fits_small_new_energy(self, v: int) -> bool:
        return v < self.small_ne.size

    def small_new_energy(self, v: int) -> str:
        """闽D + D (electric) or F (hybrid) + a letter or digit + 4 digits."""
        x = self.small_ne(v)
        x, serial = divmod(x, 10_000)
        x, lead = divmod(x, len(_NE_LEADS))
        city, energy = divmod(x, 2)
        return f"闽{_NE_CITIES[city]}{'DF'[energy]}{_NE_LEADS[lead]}{serial:04d}"

    def fits_large_new_energy(self, j: int) -> bool:
        return j < self.large_ne.size

    def large_new_energy(self, j: int) -> str:
        """闽D + 5 digits + D or F (buses, lorries). Organisation vehicle `j`; the first digit 9 keeps
        these apart from the cast's."""
        x = self.large_ne(j)
        x, serial = divmod(x, 10_000)
        city, energy = divmod(x, 2)
        return f"闽{_NE_CITIES[city]}9{serial:04d}{'DF'[energy]}"


# --- VINs -------------------------------------------------------------------------------------------

# Manufacturer prefixes of makers common on Chinese roads (SAIC-VW, FAW-VW, BYD, Geely, GAC Honda, ...).
WMIS = ("LSV", "LFV", "LGX", "L6T", "LHG", "LVH", "LVS", "LGB", "LBV", "LNB")
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"  # 2010 = A, repeating every 30 years


VIN_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # no I, O or Q
VIN_ALNUM = VIN_LETTERS + "0123456789"


def make_vin(v: int, registered: date) -> str:
    """A 17-character VIN with a correct position-9 check digit (upstream does not require one)."""
    wmi = WMIS[v % len(WMIS)]
    vds = (VIN_LETTERS[(v // 7) % 23] + VIN_LETTERS[(v // 11) % 23] + str((v // 3) % 10) + str((v // 13) % 10)
           + VIN_LETTERS[(v // 17) % 23])
    year = _YEAR_CODES[(registered.year - 2010) % 30]
    plant = VIN_ALNUM[v % 33]
    serial = f"{v % 1_000_000:06d}"
    return with_check_digit(wmi + vds + "0" + year + plant + serial)


def with_check_digit(vin: str) -> str:
    """`vin` with position 9 replaced by its GB 16735 / ISO 3779 check digit."""
    return vin[:8] + vin_check_digit(vin) + vin[9:]
