#!/usr/bin/env python3
"""An independent world of identity links, with the truth, to grade a One-ID resolver.

The project's own generator was written together with the resolver, so the
resolver looks perfect on it. This one was written from a description of the
messy identity data a Chinese car dealer group really holds, without looking
at how the resolver works, so that its scores mean something.

    python3 benches/compare/one_id_world.py --persons 100000 --seed 1 --profile default --out /tmp/world

writes four Parquet files into --out:

  links.parquet            record_id, source, id_type, id_value, name: one row
                           per identifier a record holds, values already
                           normalised (phones +86 and 11 digits, e-mails
                           lower-case), the record's name repeated
  records.parquet          record_id, source, person_key, name: every record
                           (also those holding no identifier), the true
                           person it is about and the name typed on it
                           (one_id_world_names.py: blanks, titles alone,
                           nicknames, pinyin)
  shared.parquet           id_type, id_value, kind, persons: the identifiers
                           found on the records of more than one true person
                           (a salesperson's phone, a store's demo tablet,
                           placeholders staff type, family devices, ...)
  truth_identities.parquet person_key, id_type, id_value: every identifier
                           that is one person's own

What is in the world (each rate is a knob of `Profile`):
  crm     a CRM record per customer for most persons (crm_id, phone, sometimes
          a second phone, sometimes an e-mail); some persons have a duplicate
          CRM record: a second crm_id with the same phone.
  lead    leads from the web, the app, WeCom and store walk-ins. At a walk-in the
          salesperson sometimes types their own phone instead of the
          customer's, sometimes on the store's demo tablet, sometimes adds the
          customer on WeCom (salesperson phone + customer openid). Salespeople
          are used with Zipf frequency, so the busiest phones sit on 100+
          customers' leads.
  app     one record per distinct (device_id, account_id) login pair; a family
          device is shared by the 2-3 persons of one household.
  order   DMS orders: crm_id, phone, vin.
  survey  a phone only.
  noise   placeholder phones and e-mails (+8613800000000, noreply@<dealer>.com,
          ...), blank fields, a mistyped phone that belongs to nobody or, rarely,
          to another customer.

Generation is vectorised with numpy and deterministic for (profile, persons,
seed): 1,000,000 persons (about 5 million records, 8 million links) take
under 20 s and 2.3 GB on a 2-core machine; 5,000 persons about 0.2 s.
"""

from __future__ import annotations

import argparse
import dataclasses
import pathlib
import sys
import time
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from one_id_world_names import record_names  # noqa: E402

SOURCES = ("crm", "lead", "app", "order", "survey")
ID_TYPES = ("crm_id", "phone", "email", "wechat_openid", "device_id", "account_id", "vin")
CRM_ID, PHONE, EMAIL, OPENID, DEVICE, ACCOUNT, VIN = range(len(ID_TYPES))

# An identifier is handled as one int64 key: its type in the high bits and a
# payload below (the phone number itself for phones, else a row of that
# type's value table), so grouping and joining never touch strings.
KEY_SHIFT = 40
PAYLOAD_MASK = (1 << KEY_SHIFT) - 1

SHARED_KINDS = (
    "salesperson_phone",
    "demo_tablet",
    "placeholder_phone",
    "placeholder_email",
    "family_device",
    "mistyped_phone",
    "collision",
)
# Kinds whose values never are a customer's own identity, even when the data
# happen to show them on one person's records only (a salesperson's phone on a
# single customer's lead is still the salesperson's).
NEVER_PERSONAL_KINDS = ("salesperson_phone", "demo_tablet", "placeholder_phone", "placeholder_email")

DEALER_DOMAIN = "huaxin-auto.com"

# Numbers staff type when the customer refuses to give one. None of them is on
# the usual junk lists (all-zero, 12345678901, ...): each is a valid mobile.
PLACEHOLDER_PHONES = np.array(
    [13800000000, 13888888888, 18888888888, 13912345678, 13800138000, 13666666666, 15000000000, 13000000000],
    dtype=np.int64,
)
PLACEHOLDER_PHONE_WEIGHTS = np.array([0.30, 0.15, 0.12, 0.10, 0.10, 0.09, 0.08, 0.06])
PLACEHOLDER_EMAILS = (
    f"noreply@{DEALER_DOMAIN}",
    "123@qq.com",
    "none@none.com",
    f"kehu@{DEALER_DOMAIN}",
    "a@a.com",
    "test@163.com",
    "000@qq.com",
)
PLACEHOLDER_EMAIL_WEIGHTS = np.array([0.30, 0.20, 0.15, 0.12, 0.10, 0.08, 0.05])

# Mobile prefixes in use in mainland China (13x-19x).
MOBILE_PREFIXES = np.array(
    list(range(130, 140)) + [145, 147, 150, 151, 152, 153, 155, 156, 157, 158, 159, 162, 165, 166, 167]
    + [170, 171, 172, 173, 175, 176, 177, 178] + list(range(180, 190)) + [191, 193, 195, 196, 197, 198, 199],
    dtype=np.int64,
)

SURNAMES = pa.array(["wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu", "hu", "guo", "he", "lin", "gao", "luo"])
GIVEN_NAMES = pa.array(
    ["wei", "fang", "na", "min", "jing", "li", "qiang", "lei", "jun", "yang", "yong", "yan"]
    + ["jie", "tao", "ming", "chao", "xiu", "xia", "hui", "peng", "hao", "yu", "xin", "bo"]
)
MAIL_DOMAINS = pa.array(["163.com", "126.com", "sina.com", "gmail.com", "hotmail.com", "foxmail.com", "139.com", "outlook.com", "yeah.net"])
MAIL_DOMAIN_WEIGHTS = np.array([0.30, 0.15, 0.10, 0.08, 0.05, 0.12, 0.10, 0.05, 0.05])

VIN_WMIS = np.array([b"LSV", b"LFV", b"LGB", b"LVS", b"LSG", b"LBV", b"LHG", b"LVG", b"LFM", b"LGX", b"LDC"])
VIN_CHARS = np.frombuffer(b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789", dtype=np.uint8)
VIN_YEARS = np.frombuffer(b"GHJKLMNPR", dtype=np.uint8)  # model years 2016-2024
HEX_LOWER = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
HEX_UPPER = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
OPENID_CHARS = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", dtype=np.uint8)
OPENID_ACCOUNT_PREFIX = b"oX4t_"  # every openid of one official account starts alike


@dataclass(frozen=True)
class Profile:
    """Every rate of the world. Shares are probabilities per person or per record."""

    name: str = "default"
    # Stores and their staff. The number of stores grows with the persons, so a
    # salesperson phone's reach is about the same at any size.
    persons_per_store: int = 4000
    store_size_sigma: float = 0.2  # lognormal spread of the stores' customer counts
    salespeople_per_store: int = 36  # phones seen over the years, turnover included
    # With these defaults a salesperson phone sits on the leads of ~8 customers
    # at the median and ~130 at the busiest (1M persons; ~100 at 20k).
    salesperson_zipf_exponent: float = 0.8
    demo_tablets_per_store: int = 2
    # CRM.
    crm_share: float = 0.75
    duplicate_crm_share: float = 0.04  # of CRM persons: a second crm_id, same phone
    crm_email_share: float = 0.35
    # Phones.
    two_phone_share: float = 0.08
    second_phone_use: float = 0.35  # a two-phone person's record carries the second phone
    crm_second_phone_share: float = 0.5  # a two-phone person's CRM record holds both
    # Leads.
    leads_mean: float = 3.0
    leads_dispersion: float = 0.8  # gamma shape of a person's lead rate: lower is more unequal
    walkin_share: float = 0.30
    wecom_share: float = 0.20
    app_lead_share: float = 0.15  # the web gets the rest
    walkin_other_store_share: float = 0.15
    walkin_salesperson_phone_share: float = 0.08  # only the salesperson's phone
    walkin_salesperson_tablet_share: float = 0.02  # salesperson's phone + the demo tablet
    walkin_customer_tablet_share: float = 0.05  # customer's phone + the demo tablet
    walkin_wecom_share: float = 0.04  # salesperson's phone + the customer's openid
    wechat_share: float = 0.55
    lead_openid_share: float = 0.20  # a web or walk-in lead of a WeChat user carries the openid
    lead_device_share: float = 0.10  # a web lead of a device owner carries the device
    # App.
    app_share: float = 0.40
    family_device_share: float = 0.02  # of app persons: a device shared with 1-2 household members
    # Orders and surveys.
    buyer_share: float = 0.30
    repeat_buyer_share: float = 0.12
    survey_share: float = 0.25
    # Noise.
    placeholder_phone_share: float = 0.02  # of typed customer phones
    placeholder_email_share: float = 0.06  # of CRM e-mails
    missing_id_share: float = 0.03  # a typed field left blank
    mistype_share: float = 0.004  # of typed customer phones
    mistype_collision_share: float = 0.10  # of mistypes: the number is another customer's
    # Names (one_id_world_names.py).
    title_only_share: float = 0.25  # of leads: a family name and a title (王先生); CRM a quarter of it
    nickname_share: float = 0.03  # of CRM and lead records: a name that is not the person's
    latin_name_share: float = 0.05  # of named records: in pinyin, given name first

    def validate(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            is_share = field.name.endswith("_share") or field.name == "second_phone_use"
            if is_share and not 0.0 <= value <= 1.0:
                raise ValueError(f"{field.name} = {value} is not a share")
        if self.leads_mean < 0 or self.leads_dispersion <= 0:
            raise ValueError("leads_mean must be >= 0 and leads_dispersion > 0")
        if self.walkin_share + self.wecom_share + self.app_lead_share > 1.0 + 1e-9:
            raise ValueError("lead channel shares add up to more than 1")
        walkin_cases = (
            self.walkin_salesperson_phone_share
            + self.walkin_salesperson_tablet_share
            + self.walkin_customer_tablet_share
            + self.walkin_wecom_share
        )
        if walkin_cases > 1.0 + 1e-9:
            raise ValueError("walk-in case shares add up to more than 1")
        if self.placeholder_phone_share + self.mistype_share > 1.0:
            raise ValueError("placeholder and mistype shares add up to more than 1")
        if self.persons_per_store < 1 or self.salespeople_per_store < 1 or self.demo_tablets_per_store < 1:
            raise ValueError("stores need persons, salespeople and a tablet")
        return self


DEFAULT = Profile()

PROFILES = {
    "default": DEFAULT,
    "heavy_sharing": dataclasses.replace(
        DEFAULT,
        name="heavy_sharing",
        walkin_share=0.45,
        walkin_salesperson_phone_share=0.30,
        walkin_salesperson_tablet_share=0.08,
        walkin_customer_tablet_share=0.15,
        walkin_wecom_share=0.10,
        salesperson_zipf_exponent=1.5,
        family_device_share=0.06,
    ),
    "placeholders": dataclasses.replace(
        DEFAULT,
        name="placeholders",
        placeholder_phone_share=0.12,
        placeholder_email_share=0.35,
        mistype_share=0.01,
    ),
    "duplicates": dataclasses.replace(
        DEFAULT,
        name="duplicates",
        duplicate_crm_share=0.20,
        two_phone_share=0.25,
        second_phone_use=0.50,
    ),
    "sparse": dataclasses.replace(
        DEFAULT,
        name="sparse",
        crm_share=0.50,
        crm_email_share=0.10,
        missing_id_share=0.35,
        wechat_share=0.20,
        lead_openid_share=0.05,
        lead_device_share=0.02,
        app_share=0.15,
        crm_second_phone_share=0.2,
    ),
}

# (low, high) of each knob for random_profile; ints are drawn inclusive.
RANDOM_RANGES = {
    "persons_per_store": (2000, 8000),
    "store_size_sigma": (0.1, 0.7),
    "salespeople_per_store": (10, 50),
    "salesperson_zipf_exponent": (0.6, 1.6),
    "demo_tablets_per_store": (1, 4),
    "crm_share": (0.5, 0.95),
    "duplicate_crm_share": (0.0, 0.2),
    "crm_email_share": (0.1, 0.7),
    "two_phone_share": (0.0, 0.25),
    "second_phone_use": (0.1, 0.6),
    "crm_second_phone_share": (0.0, 0.8),
    "leads_mean": (1.0, 5.0),
    "leads_dispersion": (0.4, 3.0),
    "walkin_share": (0.1, 0.5),
    "wecom_share": (0.05, 0.3),
    "app_lead_share": (0.05, 0.2),
    "walkin_other_store_share": (0.0, 0.3),
    "walkin_salesperson_phone_share": (0.0, 0.3),
    "walkin_salesperson_tablet_share": (0.0, 0.1),
    "walkin_customer_tablet_share": (0.0, 0.2),
    "walkin_wecom_share": (0.0, 0.15),
    "wechat_share": (0.2, 0.8),
    "lead_openid_share": (0.05, 0.5),
    "lead_device_share": (0.0, 0.3),
    "app_share": (0.1, 0.7),
    "family_device_share": (0.0, 0.08),
    "buyer_share": (0.1, 0.5),
    "repeat_buyer_share": (0.0, 0.3),
    "survey_share": (0.05, 0.5),
    "placeholder_phone_share": (0.0, 0.1),
    "placeholder_email_share": (0.0, 0.3),
    "missing_id_share": (0.0, 0.4),
    "mistype_share": (0.0, 0.02),
    "mistype_collision_share": (0.0, 0.3),
    "title_only_share": (0.05, 0.5),
    "nickname_share": (0.0, 0.08),
    "latin_name_share": (0.0, 0.2),
}


def random_profile(rng: np.random.Generator) -> Profile:
    """A profile with every knob drawn from RANDOM_RANGES, to look for worlds a
    resolver handles badly without choosing them by hand."""
    values = {}
    for field in dataclasses.fields(Profile):
        if field.name == "name":
            continue
        low, high = RANDOM_RANGES[field.name]
        if field.type in (int, "int"):
            values[field.name] = int(rng.integers(low, high + 1))
        else:
            values[field.name] = float(rng.uniform(low, high))
    return Profile(name="random", **values).validate()


def profile_named(name: str, seed: int) -> Profile:
    """A named profile, or for 'random' one drawn from the seed (so the CLI's
    random worlds are reproducible too)."""
    if name == "random":
        return random_profile(np.random.default_rng([seed, 0x5EED]))
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}: one of {', '.join(PROFILES)} or random")
    return PROFILES[name]


# ---------------------------------------------------------------------------
# vectorised helpers


def _unique_random_ints(rng, low, high, count, exclude=None):
    """`count` distinct ints from [low, high) in random order: draw a few more
    than needed and keep first occurrences (far cheaper than a permutation of
    a large range)."""
    picked = np.empty(0, dtype=np.int64)
    while len(picked) < count:
        need = count - len(picked)
        draw = np.concatenate([picked, rng.integers(low, high, size=int(need * 1.05) + 64, dtype=np.int64)])
        _, first = np.unique(draw, return_index=True)
        picked = draw[np.sort(first)]
        if exclude is not None and len(exclude):
            picked = picked[~np.isin(picked, exclude)]
    return picked[:count]


def _distinct(values):
    """Sorted distinct values. np.unique without return_* hashes in numpy 2,
    which is several times slower than a sort on tens of millions of int64."""
    values = np.sort(values)
    if len(values) == 0:
        return values
    return values[np.concatenate([[True], values[1:] != values[:-1]])]


def _contains(sorted_values, values):
    """Which of `values` are in `sorted_values` (a sorted array): a binary search, cheaper than np.isin here."""
    if len(sorted_values) == 0:
        return np.zeros(len(values), dtype=bool)
    position = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[position] == values


def _unique_mobiles(rng, count, exclude):
    """Distinct valid mobile numbers (prefix 13x-19x and 8 digits), none in `exclude`."""
    codes = _unique_random_ints(rng, 0, len(MOBILE_PREFIXES) * 100_000_000, count + len(exclude))
    numbers = MOBILE_PREFIXES[codes // 100_000_000] * 100_000_000 + codes % 100_000_000
    numbers = numbers[~np.isin(numbers, exclude)]
    return numbers[:count]


def _strings(byte_matrix: np.ndarray) -> pa.Array:
    """A (rows, width) uint8 matrix of ASCII as a string array."""
    width = byte_matrix.shape[1]
    fixed = np.ascontiguousarray(byte_matrix).view(f"S{width}").ravel()
    strings = pa.array(fixed).cast(pa.string())
    # Large inputs come back in chunks; callers concatenate and take.
    return strings.combine_chunks() if isinstance(strings, pa.ChunkedArray) else strings


def _decimal(values) -> pa.Array:
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _random_chars(rng, rows, width, alphabet):
    return alphabet[rng.integers(0, len(alphabet), size=(rows, width))]


def _android_ids(rng, count):
    return _strings(_random_chars(rng, count, 16, HEX_LOWER))


def _ios_ids(rng, count):
    """IDFV-style upper-case UUIDs."""
    hex32 = _random_chars(rng, count, 32, HEX_UPPER)
    dash = np.full((count, 1), ord("-"), dtype=np.uint8)
    return _strings(np.hstack([hex32[:, :8], dash, hex32[:, 8:12], dash, hex32[:, 12:16], dash, hex32[:, 16:20], dash, hex32[:, 20:]]))


def _device_ids(rng, count, ios_share=0.4):
    """Device ids as the app SDK reports them: Android ids (16 hex) or iOS IDFVs."""
    ios = rng.random(count) < ios_share
    n_android = int((~ios).sum())
    # Place each kind at its rows with one take over the two arrays.
    order = np.empty(count, dtype=np.int64)
    order[~ios] = np.arange(n_android)
    order[ios] = n_android + np.arange(count - n_android)
    both = pa.concat_arrays([_android_ids(rng, n_android), _ios_ids(rng, count - n_android)])
    return pc.take(both, pa.array(order))


def _openids(rng, count):
    body = _random_chars(rng, count, 28 - len(OPENID_ACCOUNT_PREFIX), OPENID_CHARS)
    prefix = np.broadcast_to(np.frombuffer(OPENID_ACCOUNT_PREFIX, dtype=np.uint8), (count, len(OPENID_ACCOUNT_PREFIX)))
    return _strings(np.hstack([prefix, body]))


def _vins(rng, count):
    """17-character VINs of Chinese-built cars; plant and serial come from a
    distinct number per car, so no two cars share a VIN."""
    serial_codes = _unique_random_ints(rng, 0, len(VIN_CHARS) * 1_000_000, count)
    wmi = VIN_WMIS[rng.integers(0, len(VIN_WMIS), count)].view(np.uint8).reshape(count, 3)
    vds = _random_chars(rng, count, 5, VIN_CHARS)
    check = np.frombuffer(b"0123456789X", dtype=np.uint8)[rng.integers(0, 11, size=(count, 1))]
    year = VIN_YEARS[rng.integers(0, len(VIN_YEARS), size=(count, 1))]
    plant = VIN_CHARS[serial_codes // 1_000_000].reshape(count, 1)
    serial = serial_codes % 1_000_000
    digits = np.stack([(serial // 10**k) % 10 for k in range(5, -1, -1)], axis=1).astype(np.uint8) + ord("0")
    return _strings(np.hstack([wmi, vds, check, year, plant, digits]))


def _emails(rng, phones):
    """One personal e-mail per entry, as Chinese customers have them: a QQ
    number, a pinyin name with digits, or (where `phones` has a number, not -1)
    the mobile number at 139.com or 163.com. All distinct: QQ numbers and
    (surname, given name, digits) triples are drawn without repetition, and
    mobiles are distinct already. Call it once per world, or two calls could
    hand out the same address."""
    count = len(phones)
    kind = rng.choice(3, size=count, p=[0.45, 0.45, 0.10])
    kind[(kind == 2) & (phones < 0)] = 1
    qq = _join(_decimal(_unique_random_ints(rng, 10_000, 3_000_000_000, count)), "@qq.com")  # QQ numbers start at 10000
    names = len(SURNAMES) * len(GIVEN_NAMES)
    name_code = _unique_random_ints(rng, 0, names * max(10_000, count), count)
    surname = pc.take(SURNAMES, pa.array(name_code % len(SURNAMES)))
    given = pc.take(GIVEN_NAMES, pa.array((name_code // len(SURNAMES)) % len(GIVEN_NAMES)))
    domain = pc.take(MAIL_DOMAINS, pa.array(rng.choice(len(MAIL_DOMAINS), size=count, p=MAIL_DOMAIN_WEIGHTS)))
    pinyin = _join(surname, given, _decimal(name_code // names), "@", domain)
    at_mobile = _join(_decimal(phones), "@", pc.take(pa.array(["139.com", "163.com"]), pa.array(rng.integers(0, 2, count))))
    return pc.choose(pa.array(kind.astype(np.int8)), qq, pinyin, at_mobile)


def _pick_per_owner(rng, owners, owner_start, owner_count, values):
    """For each entry of `owners`, one of that owner's `values` at random
    (values sorted by owner, owner_start/owner_count index them); -1 if the
    owner has none."""
    count = owner_count[owners]
    has = count > 0
    out = np.full(len(owners), -1, dtype=np.int64)
    offset = (rng.random(int(has.sum())) * count[has]).astype(np.int64)
    out[has] = values[owner_start[owners[has]] + offset]
    return out


def _describe(counts):
    counts = np.asarray(counts)
    if len(counts) == 0:
        return {"identifiers": 0}
    return {
        "identifiers": len(counts),
        "min": int(counts.min()),
        "median": float(np.median(counts)),
        "p90": float(np.percentile(counts, 90)),
        "max": int(counts.max()),
        "over_20": int((counts > 20).sum()),
    }


# ---------------------------------------------------------------------------
# the world


class _World:
    """Builds the world step by step. Each source ends up as a person per
    record and a few identifier slots, each an int64 payload per record (-1 =
    blank): the phone number for phones, else a row of that type's value
    table."""

    def __init__(self, persons, seed, profile):
        self.rng = np.random.default_rng([seed, persons])
        self.seed = seed
        self.p = profile.validate()
        self.n = persons
        self.tables = {t: [] for t in range(len(ID_TYPES)) if t != PHONE}
        self.table_rows = {t: 0 for t in self.tables}
        self.planted = []  # (keys, kind index)
        self.sources = {}  # name -> (persons per record, [(id_type, payloads)])

    # value tables ------------------------------------------------------------

    def add_values(self, id_type, strings):
        """Append strings to a type's value table; their payloads."""
        start = self.table_rows[id_type]
        self.tables[id_type].append(strings)
        self.table_rows[id_type] += len(strings)
        return np.arange(start, start + len(strings), dtype=np.int64)

    def plant(self, id_type, payloads, kind):
        payloads = _distinct(np.asarray(payloads, dtype=np.int64))
        payloads = payloads[payloads >= 0]
        self.planted.append(((np.int64(id_type) << KEY_SHIFT) | payloads, SHARED_KINDS.index(kind)))

    # persons -----------------------------------------------------------------

    def make_persons(self):
        rng, p, n = self.rng, self.p, self.n
        self.n_stores = max(2, round(n / p.persons_per_store))
        self.store_weight = rng.lognormal(0.0, p.store_size_sigma, self.n_stores)
        self.store_weight /= self.store_weight.sum()
        self.home_store = rng.choice(self.n_stores, size=n, p=self.store_weight)

        # Phones: one per person, a second for some, and the salespeople's.
        self.salespeople_per_store = np.maximum(4, rng.poisson(p.salespeople_per_store, self.n_stores))
        n_sales = int(self.salespeople_per_store.sum())
        has_two = rng.random(n) < p.two_phone_share
        n_two = int(has_two.sum())
        pool = _unique_mobiles(rng, n + n_two + n_sales, PLACEHOLDER_PHONES)
        self.phone1 = pool[:n]
        self.phone2 = np.full(n, -1, dtype=np.int64)
        self.phone2[has_two] = pool[n : n + n_two]
        self.sales_phone = pool[n + n_two :]
        self.all_phones = np.sort(np.concatenate([pool, PLACEHOLDER_PHONES]))
        self.plant(PHONE, PLACEHOLDER_PHONES, "placeholder_phone")
        self.plant(PHONE, self.sales_phone, "salesperson_phone")

        # Salespeople of a store are ranked; a walk-in picks one with Zipf
        # weights. sales_cum runs over (s, s + 1] inside store s so one
        # searchsorted finds the salesperson for any (store, uniform) pair.
        sales_store = np.repeat(np.arange(self.n_stores), self.salespeople_per_store)
        first = np.concatenate([[0], np.cumsum(self.salespeople_per_store)[:-1]])
        rank = np.arange(n_sales) - first[sales_store] + 1
        weight = rank.astype(np.float64) ** -p.salesperson_zipf_exponent
        cum = np.cumsum(weight)
        before = np.concatenate([[0.0], cum])[first][sales_store]
        total = np.add.reduceat(weight, first)[sales_store]
        self.sales_cum = sales_store + (cum - before) / total
        self.sales_cum[np.cumsum(self.salespeople_per_store) - 1] = np.arange(1, self.n_stores + 1)

        # Demo tablets: a store's own devices, used on walk-in leads.
        self.tablets_per_store = np.maximum(1, rng.poisson(p.demo_tablets_per_store, self.n_stores))
        self.tablet_start = np.concatenate([[0], np.cumsum(self.tablets_per_store)[:-1]])
        self.tablet = self.add_values(DEVICE, _device_ids(rng, int(self.tablets_per_store.sum()), ios_share=0.6))
        self.plant(DEVICE, self.tablet, "demo_tablet")

        self.placeholder_email = self.add_values(EMAIL, pa.array(PLACEHOLDER_EMAILS))
        self.plant(EMAIL, self.placeholder_email, "placeholder_email")

        self.buyer = rng.random(n) < p.buyer_share
        self.has_crm = (rng.random(n) < p.crm_share) | (self.buyer & (rng.random(n) < 0.95))
        self.has_duplicate_crm = self.has_crm & (rng.random(n) < p.duplicate_crm_share)
        # A person's e-mail, and for some with a duplicate CRM record another
        # one, drawn together so no address is handed out twice.
        has_email = self.has_crm & (rng.random(n) < p.crm_email_share)
        has_second_email = has_email & self.has_duplicate_crm & (rng.random(n) < 0.4)
        emails = self.add_values(
            EMAIL, _emails(rng, np.concatenate([self.phone1[has_email], np.full(int(has_second_email.sum()), -1)]))
        )
        self.email = np.full(n, -1, dtype=np.int64)
        self.email[has_email] = emails[: int(has_email.sum())]
        self.second_email = np.full(n, -1, dtype=np.int64)
        self.second_email[has_second_email] = emails[int(has_email.sum()) :]

        self.openid = np.full(n, -1, dtype=np.int64)
        has_openid = rng.random(n) < p.wechat_share
        self.openid[has_openid] = self.add_values(OPENID, _openids(rng, int(has_openid.sum())))

        self.make_devices()

    def make_devices(self):
        """App users have an account and 1-3 devices; some others have one
        device used without logging in; a few households share a device."""
        rng, p, n = self.rng, self.p, self.n
        has_app = rng.random(n) < p.app_share
        self.account = np.full(n, -1, dtype=np.int64)
        accounts = _unique_random_ints(rng, 100_000_000, 10_000_000_000, int(has_app.sum()))
        self.account[has_app] = self.add_values(ACCOUNT, _decimal(accounts))
        devices_per_person = np.where(
            has_app, rng.choice([1, 2, 3], size=n, p=[0.65, 0.27, 0.08]), (rng.random(n) < 0.10).astype(np.int64)
        )
        owner = np.repeat(np.arange(n), devices_per_person)
        device = self.add_values(DEVICE, _device_ids(rng, len(owner)))

        # Households: a head's first device is also used by 1-2 app users of
        # the same store; a person is in one household at most.
        app_persons = np.flatnonzero(has_app)
        heads = app_persons[rng.random(len(app_persons)) < p.family_device_share]
        by_store = app_persons[np.argsort(self.home_store[app_persons], kind="stable")]
        store_count = np.bincount(self.home_store[app_persons], minlength=self.n_stores)
        store_start = np.concatenate([[0], np.cumsum(store_count)[:-1]])
        members_per_head = rng.choice([1, 2], size=len(heads), p=[0.7, 0.3])
        head_of_member = np.repeat(heads, members_per_head)
        member = _pick_per_owner(rng, self.home_store[head_of_member], store_start, store_count, by_store)
        keep = (member >= 0) & (member != head_of_member) & ~np.isin(member, heads)
        head_of_member, member = head_of_member[keep], member[keep]
        _, first = np.unique(member, return_index=True)
        first = np.sort(first)
        head_of_member, member = head_of_member[first], member[first]
        owner_start = np.concatenate([[0], np.cumsum(devices_per_person)[:-1]])
        family_device = device[owner_start[head_of_member]]
        self.plant(DEVICE, family_device, "family_device")

        usage_person = np.concatenate([owner, member])
        usage_device = np.concatenate([device, family_device])
        order = np.argsort(usage_person, kind="stable")
        self.usage_person, self.usage_device = usage_person[order], usage_device[order]
        self.usage_count = np.bincount(self.usage_person, minlength=n)
        self.usage_start = np.concatenate([[0], np.cumsum(self.usage_count)[:-1]])

    # typing a phone ----------------------------------------------------------

    def typed_customer_phone(self, persons, second_phone=True):
        """The phone a record carries for these persons: their own (the second
        one sometimes), or what went wrong on the way in: a placeholder, a
        mistype, a blank."""
        rng, p = self.rng, self.p
        count = len(persons)
        phone = self.phone1[persons].copy()
        if second_phone:
            second = self.phone2[persons]
            use_second = (second >= 0) & (rng.random(count) < p.second_phone_use)
            phone[use_second] = second[use_second]
        draw = rng.random(count)
        placeholder = draw < p.placeholder_phone_share
        phone[placeholder] = PLACEHOLDER_PHONES[
            rng.choice(len(PLACEHOLDER_PHONES), size=int(placeholder.sum()), p=PLACEHOLDER_PHONE_WEIGHTS)
        ]
        mistyped = (draw >= p.placeholder_phone_share) & (draw < p.placeholder_phone_share + p.mistype_share)
        phone[mistyped] = self.mistype(phone[mistyped], persons[mistyped])
        phone[rng.random(count) < p.missing_id_share] = -1
        return phone

    def mistype(self, phones, persons):
        """One digit after the prefix typed wrong: a valid number that belongs
        to nobody; for a share of them, instead, another customer's number."""
        rng = self.rng
        count = len(phones)
        typed = np.empty(count, dtype=np.int64)
        todo = np.arange(count)
        while len(todo):  # a slip onto a known number is drawn again
            position = 10 ** rng.integers(0, 8, len(todo))
            digit = (phones[todo] // position) % 10
            typed[todo] = phones[todo] + (((digit + rng.integers(1, 10, len(todo))) % 10) - digit) * position
            todo = todo[_contains(self.all_phones, typed[todo])]
        collide = rng.random(count) < self.p.mistype_collision_share
        other = rng.integers(0, self.n - 1, int(collide.sum()))
        other = other + (other >= persons[collide])  # anyone but the person
        typed[collide] = self.phone1[other]
        self.plant(PHONE, typed[collide], "mistyped_phone")
        return typed

    # sources -----------------------------------------------------------------

    def make_crm(self):
        rng, p = self.rng, self.p
        crm_persons = np.flatnonzero(self.has_crm)
        dup_persons = np.flatnonzero(self.has_duplicate_crm)
        persons = np.concatenate([crm_persons, dup_persons])
        count = len(persons)
        is_dup = np.arange(count) >= len(crm_persons)
        crm_ids = _unique_random_ints(rng, 0, max(10 * count, 1000), count)
        crm_id = self.add_values(CRM_ID, _join("C", pc.utf8_lpad(_decimal(crm_ids), 9, "0")))
        self.primary_crm = np.full(self.n, -1, dtype=np.int64)
        self.primary_crm[crm_persons] = crm_id[~is_dup]
        self.duplicate_crm = np.full(self.n, -1, dtype=np.int64)
        self.duplicate_crm[dup_persons] = crm_id[is_dup]

        phone = self.typed_customer_phone(persons, second_phone=False)
        second = self.phone2[persons].copy()
        second[(rng.random(count) >= p.crm_second_phone_share) | (rng.random(count) < p.missing_id_share)] = -1

        email = self.email[persons].copy()
        # A duplicate record has the person's other e-mail, the same one, or none.
        second_email = self.second_email[persons]
        email[is_dup & (second_email >= 0)] = second_email[is_dup & (second_email >= 0)]
        email[is_dup & (second_email < 0) & (rng.random(count) < 0.5)] = -1
        placeholder = rng.random(count) < p.placeholder_email_share
        email[placeholder] = self.placeholder_email[
            rng.choice(len(self.placeholder_email), size=int(placeholder.sum()), p=PLACEHOLDER_EMAIL_WEIGHTS)
        ]
        email[rng.random(count) < p.missing_id_share] = -1
        self.sources["crm"] = (persons, [(CRM_ID, crm_id), (PHONE, phone), (PHONE, second), (EMAIL, email)])

    def make_leads(self):
        rng, p, n = self.rng, self.p, self.n
        rate = rng.gamma(p.leads_dispersion, p.leads_mean / p.leads_dispersion, n)
        persons = np.repeat(np.arange(n), rng.poisson(rate))
        count = len(persons)
        web, app, wecom, walkin = 0, 1, 2, 3
        channel_share = np.array([0.0, p.app_lead_share, p.wecom_share, p.walkin_share])
        channel_share[web] = max(0.0, 1.0 - channel_share.sum())
        channel = rng.choice(4, size=count, p=channel_share / channel_share.sum())
        has_openid = self.openid[persons] >= 0
        has_device = self.usage_count[persons] > 0
        channel[(channel == app) & ~has_device] = web
        channel[(channel == wecom) & ~has_openid] = web

        phone = self.typed_customer_phone(persons)
        openid = np.where(has_openid & (rng.random(count) < p.lead_openid_share), self.openid[persons], -1)
        openid[rng.random(count) < p.missing_id_share] = -1
        device = _pick_per_owner(rng, persons, self.usage_start, self.usage_count, self.usage_device)
        device[(channel == web) & (rng.random(count) >= p.lead_device_share)] = -1
        device[(channel == wecom) | (channel == walkin)] = -1

        # WeCom: the openid always, the phone only when the customer gave it.
        on_wecom = channel == wecom
        openid[on_wecom] = self.openid[persons[on_wecom]]
        phone[on_wecom & (rng.random(count) < 0.3)] = -1

        # Walk-ins: who typed what on which store's tablet.
        walk = np.flatnonzero(channel == walkin)
        walk_persons = persons[walk]
        store = self.home_store[walk_persons].copy()
        elsewhere = rng.random(len(walk)) < p.walkin_other_store_share
        store[elsewhere] = rng.choice(self.n_stores, size=int(elsewhere.sum()), p=self.store_weight)
        salesperson = np.searchsorted(self.sales_cum, store + rng.random(len(walk)), side="right")
        salesperson = np.minimum(salesperson, len(self.sales_phone) - 1)
        sales_phone = self.sales_phone[salesperson]
        tablet = self.tablet[self.tablet_start[store] + (rng.random(len(walk)) * self.tablets_per_store[store]).astype(np.int64)]
        bounds = np.cumsum(
            [
                p.walkin_salesperson_phone_share,
                p.walkin_salesperson_tablet_share,
                p.walkin_customer_tablet_share,
                p.walkin_wecom_share,
            ]
        )
        case = np.searchsorted(bounds, rng.random(len(walk)), side="right")  # 4 = typed the customer's phone
        case[(case == 3) & ~has_openid[walk]] = 4  # nobody to add on WeCom
        salesperson_typed = case <= 1
        phone[walk[salesperson_typed]] = sales_phone[salesperson_typed]
        openid[walk[salesperson_typed]] = -1
        on_tablet = (case == 1) | (case == 2)
        device[walk[on_tablet]] = tablet[on_tablet]
        added = case == 3
        phone[walk[added]] = sales_phone[added]
        openid[walk[added]] = self.openid[walk_persons[added]]
        self.lead_channel = channel
        self.sources["lead"] = (persons, [(PHONE, phone), (OPENID, openid), (DEVICE, device)])

    def make_app(self):
        has_account = self.account[self.usage_person] >= 0
        persons = self.usage_person[has_account]
        self.sources["app"] = (persons, [(DEVICE, self.usage_device[has_account]), (ACCOUNT, self.account[persons])])

    def make_orders(self):
        rng, p = self.rng, self.p
        buyers = np.flatnonzero(self.buyer)
        persons = np.repeat(buyers, 1 + (rng.random(len(buyers)) < p.repeat_buyer_share))
        count = len(persons)
        crm_id = self.primary_crm[persons].copy()
        use_duplicate = (self.duplicate_crm[persons] >= 0) & (rng.random(count) < 0.5)
        crm_id[use_duplicate] = self.duplicate_crm[persons[use_duplicate]]
        phone = self.typed_customer_phone(persons)
        vin = self.add_values(VIN, _vins(rng, count))
        self.sources["order"] = (persons, [(CRM_ID, crm_id), (PHONE, phone), (VIN, vin)])

    def make_surveys(self):
        rng, p = self.rng, self.p
        surveyed = np.flatnonzero(rng.random(self.n) < p.survey_share)
        persons = np.repeat(surveyed, 1 + rng.poisson(0.3, len(surveyed)))
        self.sources["survey"] = (persons, [(PHONE, self.typed_customer_phone(persons))])

    # output ------------------------------------------------------------------

    def tables_out(self):
        """records, links, shared and truth_identities as Arrow tables."""
        rng = self.rng
        record_person, record_source, record_ids = [], [], []
        link_record, link_key = [], []
        offset = 0
        for source_index, source in enumerate(SOURCES):
            persons, slots = self.sources[source]
            # Record numbers in random order: nothing in an id tells its person.
            shuffle = rng.permutation(len(persons))
            persons = persons[shuffle]
            record_person.append(persons)
            record_source.append(np.full(len(persons), source_index, dtype=np.int8))
            record_ids.append(_join(f"{source}:", _decimal(np.arange(1, len(persons) + 1))))
            for id_type, payload in slots:
                payload = payload[shuffle]
                held = np.flatnonzero(payload >= 0)
                link_record.append(held + offset)
                link_key.append((np.int64(id_type) << KEY_SHIFT) | payload[held])
            offset += len(persons)
        record_person = np.concatenate(record_person)
        record_source = np.concatenate(record_source)
        record_id = pa.concat_arrays(record_ids)
        link_record = np.concatenate(link_record)
        link_key = np.concatenate(link_key)

        distinct_key, link_value = np.unique(link_key, return_inverse=True)
        # One row per (record, identifier), ordered by record then type.
        pair = _distinct(link_record * len(distinct_key) + link_value)
        link_record, link_value = pair // len(distinct_key), pair % len(distinct_key)

        key_type = (distinct_key >> KEY_SHIFT).astype(np.int64)
        key_payload = distinct_key & PAYLOAD_MASK
        values = []
        for id_type in range(len(ID_TYPES)):
            payload = key_payload[key_type == id_type]
            if id_type == PHONE:
                values.append(_join("+86", _decimal(payload)))
            else:
                table = pa.concat_arrays(self.tables[id_type]) if self.tables[id_type] else pa.array([], pa.string())
                values.append(pc.take(table, pa.array(payload)))
        distinct_value = pa.concat_arrays(values)  # distinct_key is sorted by type first

        id_type_names = pa.array(ID_TYPES)
        source_names = pa.array(SOURCES)
        name = record_names(record_person, record_source, SOURCES, self.n, self.seed, self.p)
        links = pa.table(
            {
                "record_id": pc.take(record_id, pa.array(link_record)),
                "source": pc.take(source_names, pa.array(record_source[link_record])),
                "id_type": pc.take(id_type_names, pa.array(key_type[link_value])),
                "id_value": pc.take(distinct_value, pa.array(link_value)),
                "name": pc.take(name, pa.array(link_record)),
            }
        )
        records = pa.table(
            {
                "record_id": record_id,
                "source": pc.take(source_names, pa.array(record_source)),
                "person_key": pa.array(record_person, pa.int64()),
                "name": name,
            }
        )

        # Persons per identifier, from the data themselves.
        n = self.n
        person_pairs = _distinct(link_value * n + record_person[link_record])
        pair_key = person_pairs // n
        persons_per_key = np.bincount(pair_key, minlength=len(distinct_key))
        first_pair = np.concatenate([[0], np.cumsum(persons_per_key)[:-1]])
        only_person = person_pairs[np.minimum(first_pair, len(person_pairs) - 1)] % n if len(person_pairs) else first_pair

        kind = np.full(len(distinct_key), -1, dtype=np.int64)
        for keys, kind_index in self.planted:
            position = np.searchsorted(distinct_key, keys)
            position = np.minimum(position, len(distinct_key) - 1)
            found = distinct_key[position] == keys
            kind[position[found]] = kind_index
        shared = persons_per_key > 1
        kind_unplanned = shared & (kind < 0)
        kind[kind_unplanned] = SHARED_KINDS.index("collision")
        never_personal = np.isin(kind, [SHARED_KINDS.index(k) for k in NEVER_PERSONAL_KINDS])
        personal = (persons_per_key == 1) & ~never_personal

        shared_index = np.flatnonzero(shared)
        shared_index = shared_index[np.lexsort((shared_index, -persons_per_key[shared_index]))]
        shared_table = pa.table(
            {
                "id_type": pc.take(id_type_names, pa.array(key_type[shared_index])),
                "id_value": pc.take(distinct_value, pa.array(shared_index)),
                "kind": pc.take(pa.array(SHARED_KINDS), pa.array(kind[shared_index])),
                "persons": pa.array(persons_per_key[shared_index], pa.int64()),
            }
        )
        personal_index = np.flatnonzero(personal)
        personal_index = personal_index[np.argsort(only_person[personal_index], kind="stable")]
        truth = pa.table(
            {
                "person_key": pa.array(only_person[personal_index], pa.int64()),
                "id_type": pc.take(id_type_names, pa.array(key_type[personal_index])),
                "id_value": pc.take(distinct_value, pa.array(personal_index)),
            }
        )

        summary = {
            "records": {s: int((record_source == i).sum()) for i, s in enumerate(SOURCES)},
            "records_without_identifiers": int(len(record_person) - len(_distinct(link_record))),
            "links": {s: int((record_source[link_record] == i).sum()) for i, s in enumerate(SOURCES)},
            "links_by_type": {t: int((key_type[link_value] == i).sum()) for i, t in enumerate(ID_TYPES)},
            "truth_identities": len(personal_index),
            "shared": {
                k: _describe(persons_per_key[shared_index][kind[shared_index] == i])
                for i, k in enumerate(SHARED_KINDS)
                if (kind[shared_index] == i).any()
            },
            "stores": self.n_stores,
            "salespeople": len(self.sales_phone),
        }
        return records, links, shared_table, truth, summary


def build(persons: int, seed: int = 42, profile: Profile = DEFAULT):
    """The world as Arrow tables (records, links, shared, truth_identities) and
    its summary, without writing anything."""
    if persons < 2:
        raise ValueError("a world needs at least 2 persons")
    world = _World(persons, seed, profile)
    world.make_persons()
    world.make_crm()
    world.make_leads()
    world.make_app()
    world.make_orders()
    world.make_surveys()
    return world.tables_out()


def generate(out_dir, persons: int, seed: int = 42, profile: Profile | str = DEFAULT) -> dict:
    """Write links, records, shared and truth_identities Parquet files into
    out_dir; the summary (rows per source, planted shared identifiers by kind
    and the spread of their person counts)."""
    started = time.perf_counter()
    if isinstance(profile, str):
        profile = profile_named(profile, seed)
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    records, links, shared, truth, summary = build(persons, seed, profile)
    pq.write_table(links, out / "links.parquet")
    pq.write_table(records, out / "records.parquet")
    pq.write_table(shared, out / "shared.parquet")
    pq.write_table(truth, out / "truth_identities.parquet")
    summary = {
        "persons": persons,
        "seed": seed,
        "profile": dataclasses.asdict(profile),
        **summary,
        "seconds": round(time.perf_counter() - started, 2),
    }
    return summary


def format_summary(summary: dict) -> str:
    lines = [
        (
            f"{summary['persons']} persons, seed {summary['seed']}, profile {summary['profile']['name']}, "
            f"{summary['stores']} stores, {summary['salespeople']} salesperson phones, {summary['seconds']} s"
        )
    ]
    lines.append(f"{'source':<8} {'records':>10} {'links':>10}")
    for source in SOURCES:
        lines.append(f"{source:<8} {summary['records'][source]:>10} {summary['links'][source]:>10}")
    lines.append(f"{'total':<8} {sum(summary['records'].values()):>10} {sum(summary['links'].values()):>10}")
    lines.append(f"records without identifiers {summary['records_without_identifiers']}")
    lines.append("links by type: " + ", ".join(f"{t} {c}" for t, c in summary["links_by_type"].items()))
    lines.append(f"truth identities {summary['truth_identities']}")
    lines.append("shared identifiers (persons per identifier):")
    lines.append(f"  {'kind':<18} {'count':>7} {'min':>5} {'median':>7} {'p90':>7} {'max':>7} {'>20':>6}")
    for kind, d in summary["shared"].items():
        lines.append(
            f"  {kind:<18} {d['identifiers']:>7} {d['min']:>5} {d['median']:>7.1f} {d['p90']:>7.1f} {d['max']:>7} {d['over_20']:>6}"
        )
    if summary["profile"]["name"] == "random":
        knobs = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in summary["profile"].items() if k != "name"}
        lines.append("profile knobs: " + ", ".join(f"{k}={v}" for k, v in knobs.items()))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--profile", default="default", help=f"one of {', '.join(PROFILES)}, or random")
    parser.add_argument("--out", type=pathlib.Path, required=True)
    args = parser.parse_args(argv)
    summary = generate(args.out, args.persons, args.seed, args.profile)
    print(format_summary(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
