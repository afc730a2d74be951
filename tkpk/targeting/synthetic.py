"""Deterministic synthetic target data: a person registry and a beneficiary list to link.

`targets_generate(persons=N, beneficiaries=M, seed=S)` builds N persons in households across
the 267 kelurahan of DKI Jakarta (names, NIK and KK with their real structure, desil 1–10)
and a beneficiary list of M records: most are registry persons copied with injected errors
(name typos and variants, swapped NIK digits, missing NIK, missing or mistyped birth dates,
moved people), the rest are people who are not in the registry (new households and
unregistered relatives of registered households). The ground truth maps each beneficiary id
to its registry id, empty for non-matching records. The same arguments give the same data.

No Django: the generator reads the region CSV directly, so benchmarks run without a database.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from tkpk.targeting.synthetic_words import (
    BIRTH_PLACES,
    CLAN_NAMES,
    FEMALE_NAMES,
    FEMALE_PREFIXES,
    MALE_NAMES,
    MALE_PREFIXES,
    SECOND_NAMES_FEMALE,
    SECOND_NAMES_MALE,
    STREETS,
)

REGIONS_CSV = Path(__file__).resolve().parents[1] / "regions" / "data" / "wilayah_dki_jakarta.csv"
REFERENCE_DATE = date(2026, 1, 1)
_EPOCH = date(1970, 1, 1)
_YEAR = 365.25


HOUSEHOLD_SIZES = np.arange(1, 8)
HOUSEHOLD_SIZE_WEIGHTS = np.array([0.09, 0.17, 0.22, 0.23, 0.15, 0.09, 0.05])
# More households in the lower deciles: the registry holds the poorer part of the population.
DESIL_WEIGHTS = np.array([0.17, 0.15, 0.13, 0.12, 0.10, 0.09, 0.08, 0.06, 0.05, 0.05])
PROGRAMMES = ("KJP PLUS", "KLJ", "KAJ", "KPDJ", "PKH", "BPNT")

BIRTH_PLACE_WEIGHTS = np.array(
    [62, 4, 3, 3, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1, 2, 2, 1, 1, 1, 1], dtype=float
)
_PLACE_VARIANTS = {"JAKARTA": ("DKI JAKARTA", "JKT", "Jakarta")}
_KEYBOARD_NEIGHBOURS = {
    "A": "SQZ", "B": "VNGH", "C": "XVD", "D": "SFE", "E": "WRD", "F": "DGR", "G": "FHT",
    "H": "GJY", "I": "UOK", "J": "HKU", "K": "JLI", "L": "KO", "M": "NJ", "N": "BMH",
    "O": "IPL", "P": "OL", "Q": "WA", "R": "ETF", "S": "ADW", "T": "RYG", "U": "YIJ",
    "V": "CBF", "W": "QES", "X": "ZCS", "Y": "TUH", "Z": "XA",
}  # fmt: skip


@dataclass(frozen=True)
class Kelurahan:
    code: str  # Kemendagri code with dots, e.g. 31.71.01.1001
    kecamatan: str  # six digits, the NIK/KK region prefix, e.g. 317101
    kota: str  # e.g. 31.71


@dataclass(frozen=True)
class ErrorRates:
    """Share of beneficiary records given each error (independently)."""

    name_typo: float = 0.08
    name_variant: float = 0.05  # a title or degree added, or the old spelling (OE, DJ, TJ)
    name_drop_token: float = 0.03  # a middle name left out
    nik_swap: float = 0.05  # two adjacent NIK digits swapped
    nik_missing: float = 0.03
    birth_date_missing: float = 0.08
    birth_date_typo: float = 0.03  # day and month swapped, or the day off by a few
    moved: float = 0.08  # another kelurahan, address and KK
    sex_missing: float = 0.02
    birth_place_changed: float = 0.03  # another city written as the birth place


@dataclass(frozen=True)
class SyntheticTargets:
    registry: pl.DataFrame
    beneficiaries: pl.DataFrame
    truth: pl.DataFrame  # beneficiary_id, registry_id (null when not in the registry)
    params: dict[str, object] = field(default_factory=dict)


def kelurahan_load(path: Path = REGIONS_CSV) -> list[Kelurahan]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["tingkat"] == "kelurahan"]
    return [
        Kelurahan(
            code=row["kode"],
            kecamatan=row["induk"].replace(".", ""),
            kota=row["induk"][:5],
        )
        for row in rows
    ]


def _kota_population(path: Path = REGIONS_CSV) -> dict[str, float]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            row["kode"]: float(row["penduduk_total"] or 0)
            for row in csv.DictReader(handle)
            if row["tingkat"] == "kabupaten_kota"
        }


def _kelurahan_weights(rng: np.random.Generator, kelurahan: list[Kelurahan]) -> np.ndarray:
    population = _kota_population()
    per_kota: dict[str, int] = {}
    for kel in kelurahan:
        per_kota[kel.kota] = per_kota.get(kel.kota, 0) + 1
    base = np.array([population.get(k.kota, 1.0) / per_kota[k.kota] for k in kelurahan])
    weights = base * rng.lognormal(0.0, 0.35, size=len(kelurahan))
    return weights / weights.sum()


# --- population ----------------------------------------------------------------------------


@dataclass
class _Households:
    kelurahan: np.ndarray  # index into the kelurahan list
    street: np.ndarray
    number: np.ndarray
    rt: np.ndarray
    rw: np.ndarray
    desil: np.ndarray
    style: np.ndarray  # 0 given names only, 1 clan family name, 2 Arabic prefix
    clan: np.ndarray
    kk_issued: np.ndarray  # days since 1970


@dataclass
class _People:
    household: np.ndarray
    role: np.ndarray  # 1 head, 2 spouse, 3 child, 6 parent, 7 other relative
    female: np.ndarray
    born: np.ndarray  # days since 1970
    name: list[str]
    birth_place: list[str]


def _days(d: date) -> int:
    return (d - _EPOCH).days


def _households_draw(rng: np.random.Generator, count: int, kel_weights: np.ndarray) -> _Households:
    return _Households(
        kelurahan=rng.choice(len(kel_weights), size=count, p=kel_weights),
        street=rng.integers(0, len(STREETS), size=count),
        number=rng.integers(1, 200, size=count),
        rt=rng.integers(1, 16, size=count),
        rw=rng.integers(1, 13, size=count),
        desil=rng.choice(np.arange(1, 11), size=count, p=DESIL_WEIGHTS),
        style=rng.choice(3, size=count, p=[0.5, 0.2, 0.3]),
        clan=rng.integers(0, len(CLAN_NAMES), size=count),
        kk_issued=rng.integers(_days(date(2005, 1, 1)), _days(date(2025, 12, 1)), size=count),
    )


def _names(
    rng: np.random.Generator,
    *,
    female: np.ndarray,
    style: np.ndarray,
    clan: np.ndarray,
    role: np.ndarray,
) -> list[str]:
    n = len(female)
    given_m = rng.integers(0, len(MALE_NAMES), size=n)
    given_f = rng.integers(0, len(FEMALE_NAMES), size=n)
    middle_m = rng.integers(0, len(MALE_NAMES), size=n)
    middle_f = rng.integers(0, len(FEMALE_NAMES), size=n)
    second = rng.integers(0, 10_000, size=n)
    own_clan = rng.integers(0, len(CLAN_NAMES), size=n)
    prefix = rng.integers(0, 4, size=n)
    shape = rng.random(n)
    out: list[str] = []
    for i in range(n):
        is_f = bool(female[i])
        given = FEMALE_NAMES[given_f[i]] if is_f else MALE_NAMES[given_m[i]]
        middle = FEMALE_NAMES[middle_f[i]] if is_f else MALE_NAMES[middle_m[i]]
        seconds = SECOND_NAMES_FEMALE if is_f else SECOND_NAMES_MALE
        last = seconds[second[i] % len(seconds)]
        if middle == given:
            middle = seconds[(second[i] + 7) % len(seconds)]
        s = shape[i]
        if style[i] == 1:
            # A spouse keeps her own clan name; the others carry the household's.
            family = CLAN_NAMES[own_clan[i] if role[i] == 2 else clan[i]]
            tokens = [given, middle, family] if s < 0.3 else [given, family]
        elif style[i] == 2:
            lead = FEMALE_PREFIXES[prefix[i]] if is_f else MALE_PREFIXES[prefix[i]]
            if s < 0.45:
                tokens = [lead, given]
            elif s < 0.85:
                tokens = [lead, given, last]
            else:
                tokens = [given, last]
        elif s < 0.12:
            tokens = [given]
        elif s < 0.75:
            tokens = [given, last]
        else:
            tokens = [given, middle, last]
        out.append(" ".join(tokens))
    return out


def _birth_places(rng: np.random.Generator, n: int) -> list[str]:
    idx = rng.choice(len(BIRTH_PLACES), size=n, p=BIRTH_PLACE_WEIGHTS / BIRTH_PLACE_WEIGHTS.sum())
    return [BIRTH_PLACES[i] for i in idx.tolist()]


def _people_draw(
    rng: np.random.Generator, persons: int, households: _Households, sizes: np.ndarray
) -> _People:
    h_count = len(sizes)
    hh = np.repeat(np.arange(h_count), sizes)
    starts = np.cumsum(sizes) - sizes
    pos = np.arange(persons) - np.repeat(starts, sizes)
    size_of = sizes[hh]
    spouse = (pos == 1) & (rng.random(persons) < 0.88)
    parent = (pos >= 2) & (pos == size_of - 1) & (rng.random(persons) < 0.12)
    role = np.where(pos == 0, 1, np.where(spouse, 2, np.where(parent, 6, 3)))

    head_female = rng.random(h_count) < 0.15
    female = np.where(
        role == 1,
        head_female[hh],
        np.where(role == 2, ~head_female[hh], rng.random(persons) < 0.5),
    )

    ref = _days(REFERENCE_DATE)
    head_born = ref - (rng.uniform(22, 78, size=h_count) * _YEAR).astype(np.int64)
    hb = head_born[hh]
    spouse_born = hb + (rng.normal(0, 4, size=persons) * _YEAR).astype(np.int64)
    child_born = hb + (rng.uniform(18, 42, size=persons) * _YEAR).astype(np.int64)
    too_late = child_born > ref - 30
    child_born = np.where(
        too_late, ref - (rng.uniform(0.1, 17, size=persons) * _YEAR).astype(np.int64), child_born
    )
    parent_born = hb - (rng.uniform(20, 34, size=persons) * _YEAR).astype(np.int64)
    born = np.select(
        [role == 1, role == 2, role == 6], [hb, spouse_born, parent_born], default=child_born
    )
    # Nobody older than 96: the two-digit NIK year would not tell 1925 from 2025.
    oldest = _days(date(1930, 1, 1))
    born = np.where(born < oldest, oldest + rng.integers(0, 3650, size=persons), born)
    born = np.minimum(born, ref - 30)

    names = _names(
        rng,
        female=female,
        style=households.style[hh],
        clan=households.clan[hh],
        role=role,
    )
    return _People(
        household=hh,
        role=role,
        female=female,
        born=born,
        name=names,
        birth_place=_birth_places(rng, persons),
    )


def _household_sizes(rng: np.random.Generator, persons: int) -> np.ndarray:
    sizes = rng.choice(HOUSEHOLD_SIZES, size=max(persons, 1), p=HOUSEHOLD_SIZE_WEIGHTS)
    total = np.cumsum(sizes)
    count = int(np.searchsorted(total, persons)) + 1
    sizes = sizes[:count].copy()
    sizes[-1] -= int(total[count - 1]) - persons
    return sizes[sizes > 0]


# --- identifiers ---------------------------------------------------------------------------


def _ddmmyy(days: np.ndarray, female: np.ndarray) -> list[str]:
    out = []
    for d, f in zip(days.tolist(), female.tolist(), strict=True):
        born = _EPOCH + timedelta(days=d)
        out.append(f"{born.day + (40 if f else 0):02d}{born.month:02d}{born.year % 100:02d}")
    return out


def _serials(keys: list[str]) -> list[str]:
    """Per key a running serial from 0001, in row order (the NIK and KK serial)."""
    counters: dict[str, int] = {}
    out = []
    for key in keys:
        counters[key] = counters.get(key, 0) + 1
        out.append(f"{key}{counters[key]:04d}")
    return out


def _iso(days: np.ndarray) -> list[str]:
    return [(_EPOCH + timedelta(days=d)).isoformat() for d in days.tolist()]


def _address(households: _Households, idx: np.ndarray) -> list[str]:
    return [
        f"JL. {STREETS[s]} NO. {n} RT {rt:03d}/RW {rw:03d}"
        for s, n, rt, rw in zip(
            households.street[idx].tolist(),
            households.number[idx].tolist(),
            households.rt[idx].tolist(),
            households.rw[idx].tolist(),
            strict=True,
        )
    ]


# --- errors --------------------------------------------------------------------------------


def _typo(rng: np.random.Generator, text: str) -> str:
    letters = [i for i, ch in enumerate(text) if ch.isalpha() and i > 0]
    if not letters:
        return text
    i = letters[int(rng.integers(len(letters)))]
    kind = int(rng.integers(4))
    ch = text[i]
    if kind == 0:  # neighbouring key
        near = _KEYBOARD_NEIGHBOURS.get(ch.upper(), "E")
        return text[:i] + near[int(rng.integers(len(near)))] + text[i + 1 :]
    if kind == 1:  # dropped letter
        return text[:i] + text[i + 1 :]
    if kind == 2:  # doubled letter
        return text[:i] + ch + text[i:]
    if i + 1 < len(text) and text[i + 1].isalpha():  # transposed letters
        return text[:i] + text[i + 1] + ch + text[i + 2 :]
    return text[:i] + text[i + 1 :]


def _variant(rng: np.random.Generator, text: str, female: bool) -> str:
    kind = int(rng.integers(4))
    if kind == 0:
        return ("HJ. " if female else "H. ") + text
    if kind == 1:
        return text + ", " + ("S.Pd", "S.E.", "S.Kom", "A.Md")[int(rng.integers(4))]
    if kind == 2 and text.startswith("MUHAMMAD "):
        return ("MUH. ", "MOH. ", "M. ")[int(rng.integers(3))] + text[len("MUHAMMAD ") :]
    for old, new in (("U", "OE"), ("J", "DJ"), ("C", "TJ"), ("Y", "J")):
        pos = text.find(old, 1)
        if pos > 0:
            return text[:pos] + new + text[pos + 1 :]
    return text.title()


def _nik_swap(rng: np.random.Generator, nik: str) -> str:
    options = [i for i in range(len(nik) - 1) if nik[i] != nik[i + 1]]
    if not options:
        return nik
    i = options[int(rng.integers(len(options)))]
    return nik[:i] + nik[i + 1] + nik[i] + nik[i + 2 :]


def _date_typo(rng: np.random.Generator, iso: str) -> str:
    year, month, day = int(iso[:4]), int(iso[5:7]), int(iso[8:10])
    if int(rng.integers(2)) == 0 and day <= 12 and day != month:
        return f"{year:04d}-{day:02d}-{month:02d}"
    shifted = date(year, month, day) + timedelta(days=int(rng.choice([-3, -2, -1, 1, 2, 3])))
    return shifted.isoformat()


def _case_style(rng: np.random.Generator, text: str) -> str:
    return text.title() if rng.random() < 0.4 else text


# --- the generator -------------------------------------------------------------------------

_BASE_COLUMNS = (
    "id",
    "nik",
    "kk",
    "name",
    "sex",
    "birth_date",
    "birth_place",
    "address",
    "kelurahan_code",
)


@dataclass
class _Population:
    """Everyone generated: the registry first, then people who are not in it."""

    registry: pl.DataFrame
    others: pl.DataFrame  # same base columns, id empty


def _population(
    rng: np.random.Generator,
    *,
    persons: int,
    others: int,
    kelurahan: list[Kelurahan],
    kel_weights: np.ndarray,
) -> _Population:
    sizes = _household_sizes(rng, persons)
    households = _households_draw(rng, len(sizes), kel_weights)
    people = _people_draw(rng, persons, households, sizes)

    # Not in the registry: half new households, half unregistered relatives of registered ones.
    n_new = others // 2
    n_rel = others - n_new
    new_sizes = _household_sizes(rng, n_new) if n_new else np.zeros(0, dtype=np.int64)
    new_households = _households_draw(rng, len(new_sizes), kel_weights)
    new_people = _people_draw(rng, n_new, new_households, new_sizes)
    rel_household = rng.integers(0, len(sizes), size=n_rel)
    rel_female = rng.random(n_rel) < 0.5
    rel_head = (np.cumsum(sizes) - sizes)[rel_household]
    rel_born = np.clip(
        people.born[rel_head] + (rng.uniform(15, 40, size=n_rel) * _YEAR).astype(np.int64),
        _days(date(1930, 1, 1)),
        _days(REFERENCE_DATE) - 30,
    )
    rel_names = _names(
        rng,
        female=rel_female,
        style=households.style[rel_household],
        clan=households.clan[rel_household],
        role=np.full(n_rel, 3),
    )

    # NIK: kecamatan of the kelurahan + birth date (day + 40 for women) + serial per prefix,
    # numbered over everyone so that people outside the registry never reuse a NIK.
    kel_codes = [k.code for k in kelurahan]
    kec_codes = [k.kecamatan for k in kelurahan]
    kel = np.concatenate(
        [
            households.kelurahan[people.household],
            new_households.kelurahan[new_people.household],
            households.kelurahan[rel_household],
        ]
    )
    female = np.concatenate([people.female, new_people.female, rel_female])
    born = np.concatenate([people.born, new_people.born, rel_born])
    niks = _serials(
        [kec_codes[k] + d for k, d in zip(kel.tolist(), _ddmmyy(born, female), strict=True)]
    )
    # KK: kecamatan of the household + issue date + serial per prefix.
    hh_kel = np.concatenate([households.kelurahan, new_households.kelurahan])
    hh_issued = np.concatenate([households.kk_issued, new_households.kk_issued])
    kks = _serials(
        [
            kec_codes[k] + d
            for k, d in zip(
                hh_kel.tolist(), _ddmmyy(hh_issued, np.zeros(len(hh_kel), bool)), strict=True
            )
        ]
    )
    sex = np.where(female, "P", "L").tolist()
    kel_of = [kel_codes[k] for k in kel.tolist()]
    registry = pl.DataFrame(
        {
            "id": [f"R{i:07d}" for i in range(1, persons + 1)],
            "nik": niks[:persons],
            "kk": [kks[h] for h in people.household.tolist()],
            "name": people.name,
            "sex": sex[:persons],
            "birth_date": _iso(people.born),
            "birth_place": people.birth_place,
            "address": _address(households, people.household),
            "kelurahan_code": kel_of[:persons],
            "desil": households.desil[people.household],
            "household_id": [f"H{h + 1:07d}" for h in people.household.tolist()],
            "relationship": people.role,
        },
        schema_overrides={"desil": pl.Int8, "relationship": pl.Int8},
    )
    other_frame = pl.DataFrame(
        {
            "id": [""] * others,
            "nik": niks[persons:],
            "kk": [kks[len(sizes) + h] for h in new_people.household.tolist()]
            + [kks[h] for h in rel_household.tolist()],
            "name": new_people.name + rel_names,
            "sex": sex[persons:],
            "birth_date": _iso(np.concatenate([new_people.born, rel_born])),
            "birth_place": new_people.birth_place + _birth_places(rng, n_rel),
            "address": _address(new_households, new_people.household)
            + _address(households, rel_household),
            "kelurahan_code": kel_of[persons:],
        },
        schema={c: pl.String for c in _BASE_COLUMNS},
    )
    return _Population(registry=registry, others=other_frame)


def targets_generate(
    *,
    persons: int,
    beneficiaries: int,
    seed: int,
    match_share: float = 0.85,
    errors: ErrorRates | None = None,
) -> SyntheticTargets:
    """Generate a registry of `persons` and a list of `beneficiaries` with ground truth."""
    if persons < 1 or beneficiaries < 0:
        raise ValueError("persons must be positive and beneficiaries not negative")
    rng = np.random.default_rng(seed)
    kelurahan = kelurahan_load()
    kel_weights = _kelurahan_weights(rng, kelurahan)
    n_match = min(round(beneficiaries * match_share), persons)
    population = _population(
        rng,
        persons=persons,
        others=beneficiaries - n_match,
        kelurahan=kelurahan,
        kel_weights=kel_weights,
    )
    registry = population.registry

    # Registry persons on the list: more likely the poorer deciles (weighted, no repeats).
    weights = 1.0 / registry["desil"].to_numpy().astype(float) ** 0.8
    keys = np.log(rng.random(persons)) / weights
    chosen: list[int] = (
        np.sort(np.argpartition(-keys, n_match - 1)[:n_match]).tolist() if n_match else []
    )
    listed = pl.concat([registry.select(_BASE_COLUMNS)[chosen], population.others], how="vertical")
    truth_ids = registry["id"].gather(chosen).to_list() + [None] * population.others.height
    rows = listed.to_dicts()
    errors = errors or ErrorRates()
    flags = {name: rng.random(len(rows)) < getattr(errors, name) for name in _ERROR_NAMES}
    for i, row in enumerate(rows):
        _errors_apply(
            rng, row, {name: bool(f[i]) for name, f in flags.items()}, kelurahan, kel_weights
        )

    order = rng.permutation(len(rows)).tolist()
    programmes = rng.integers(0, len(PROGRAMMES), size=len(rows)).tolist()
    ids = [f"B{i:07d}" for i in range(1, len(rows) + 1)]
    listed_rows = [
        {**rows[old], "id": ids[new], "programme": PROGRAMMES[programmes[new]]}
        for new, old in enumerate(order)
    ]
    return SyntheticTargets(
        registry=registry,
        beneficiaries=pl.DataFrame(
            listed_rows, schema={c: pl.String for c in (*_BASE_COLUMNS, "programme")}
        ),
        truth=pl.DataFrame(
            {"beneficiary_id": ids, "registry_id": [truth_ids[old] for old in order]},
            schema={"beneficiary_id": pl.String, "registry_id": pl.String},
        ),
        params={"persons": persons, "beneficiaries": beneficiaries, "seed": seed},
    )


_ERROR_NAMES = tuple(ErrorRates.__dataclass_fields__)


def _errors_apply(
    rng: np.random.Generator,
    row: dict[str, str | None],
    flags: dict[str, bool],
    kelurahan: list[Kelurahan],
    kel_weights: np.ndarray,
) -> None:
    """Inject the flagged errors into one beneficiary row, in place."""
    row["name"] = _name_errors(rng, row["name"] or "", flags, female=row["sex"] == "P")
    if flags["nik_swap"] and row["nik"]:
        row["nik"] = _nik_swap(rng, row["nik"])
    if flags["nik_missing"]:
        row["nik"] = None
    if flags["birth_date_typo"] and row["birth_date"]:
        typo = _date_typo(rng, row["birth_date"])
        if date.fromisoformat(typo) < REFERENCE_DATE:
            row["birth_date"] = typo
    if flags["birth_date_missing"]:
        row["birth_date"] = None
    if flags["sex_missing"]:
        row["sex"] = None
    if flags["moved"]:
        _move(rng, row, kelurahan, kel_weights)
    place = row["birth_place"] or ""
    if flags["birth_place_changed"]:
        row["birth_place"] = BIRTH_PLACES[int(rng.integers(len(BIRTH_PLACES)))]
    elif place in _PLACE_VARIANTS and rng.random() < 0.1:
        variants = _PLACE_VARIANTS[place]
        row["birth_place"] = variants[int(rng.integers(len(variants)))]


def _name_errors(
    rng: np.random.Generator, name: str, flags: dict[str, bool], *, female: bool
) -> str:
    if flags["name_drop_token"]:
        tokens = name.split()
        if len(tokens) >= 3:
            name = " ".join(tokens[:1] + tokens[2:])
    if flags["name_typo"]:
        name = _typo(rng, name)
    if flags["name_variant"]:
        name = _variant(rng, name, female)
    return _case_style(rng, name)


def _move(
    rng: np.random.Generator,
    row: dict[str, str | None],
    kelurahan: list[Kelurahan],
    kel_weights: np.ndarray,
) -> None:
    """Another kelurahan, address and a new KK issued there."""
    kel = kelurahan[int(rng.choice(len(kelurahan), p=kel_weights))]
    street = STREETS[int(rng.integers(len(STREETS)))]
    issued = _EPOCH + timedelta(
        days=int(rng.integers(_days(date(2024, 1, 1)), _days(REFERENCE_DATE)))
    )
    row["kelurahan_code"] = kel.code
    row["address"] = (
        f"JL. {street} NO. {int(rng.integers(1, 200))} "
        f"RT {int(rng.integers(1, 16)):03d}/RW {int(rng.integers(1, 13)):03d}"
    )
    row["kk"] = f"{kel.kecamatan}{issued:%d%m%y}{int(rng.integers(5000, 10000)):04d}"


def targets_write(
    targets: SyntheticTargets, *, out_dir: Path, formats: tuple[str, ...] = ("parquet", "csv")
) -> list[Path]:
    """Write registry, beneficiaries (Parquet and/or CSV) and truth.csv into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for stem, frame in (("registry", targets.registry), ("beneficiaries", targets.beneficiaries)):
        if "parquet" in formats:
            path = out_dir / f"{stem}.parquet"
            frame.write_parquet(path)
            written.append(path)
        if "csv" in formats:
            path = out_dir / f"{stem}.csv"
            frame.write_csv(path)
            written.append(path)
    truth_path = out_dir / "truth.csv"
    targets.truth.write_csv(truth_path)
    written.append(truth_path)
    return written
