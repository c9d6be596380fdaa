"""Dirty ID numbers with a known answer (证件号码脏数据): a share of the rows of the feeds
that describe a person by name, sex and birth date carry a missing, old 15-digit, mistyped
or another person's ID number, and their names are written with common variants.

Only true rows delivered once are changed (never the extra quarantine copies, duplicates,
late or corrected rows), so each changed row is the sole source of its event; without
linkage its person loses it. ``links`` says who each changed row really is."""

from __future__ import annotations

import numpy as np
import pandas as pd

from renkou.ids import check_character
from renkou.registry.linkage.names import SIMP_TO_TRAD, person_key, pinyin

DIRTY_FEEDS = ("police_residence", "health_death", "stats_census")
ID_KINDS = ("missing", "old15", "digit", "transposed", "other_person")
NAME_KINDS = ("as_is", "homophone", "traditional", "dropped", "doubled", "spaced", "dotted")
ID_P = (0.2, 0.2, 0.25, 0.2, 0.15)
NAME_P = (0.3, 0.2, 0.15, 0.1, 0.05, 0.1, 0.1)


def _homophones(chars: str) -> dict[str, list[str]]:
    by_sound: dict[str, list[str]] = {}
    for ch in dict.fromkeys(chars):
        by_sound.setdefault(pinyin(ch), []).append(ch)
    return {ch: [o for o in group if o != ch] for group in by_sound.values() for ch in group
            if len(group) > 1}


def _typo(number: str, rng: np.random.Generator, transpose: bool) -> str:
    """One digit of the first 17 changed, or two adjacent different digits swapped; the
    check character is kept, so the MOD 11-2 check fails (it detects both)."""
    d = list(number)
    if transpose:
        pairs = [i for i in range(16) if d[i] != d[i + 1]]
        i = int(rng.choice(pairs))
        d[i], d[i + 1] = d[i + 1], d[i]
    else:
        i = int(rng.integers(0, 17))
        d[i] = str((int(d[i]) + int(rng.integers(1, 10))) % 10)
    out = "".join(d)
    return out if check_character(out[:17]) != out[17] else _typo(number, rng, transpose)


def _variant(name: str, kind: str, rng: np.random.Generator,
             sounds: dict[str, list[str]]) -> str:
    given = name[1:]
    if kind == "homophone":
        at = [i for i, ch in enumerate(name) if ch in sounds]
        if at:
            i = int(rng.choice(at))
            return name[:i] + str(rng.choice(sounds[name[i]])) + name[i + 1:]
    if kind == "traditional" and any(ch in SIMP_TO_TRAD for ch in name):
        return "".join(SIMP_TO_TRAD.get(ch, ch) for ch in name)
    if kind == "dropped" and len(given) >= 2:
        return name[0] + given[int(rng.integers(0, 2))]
    if kind == "doubled" and len(given) == 1:
        return name + given
    if kind == "spaced":
        return name[0] + " " + given
    if kind == "dotted":
        return name[0] + "·" + given
    return name


def add_dirty_ids(feeds: dict[str, pd.DataFrame], true_n: dict[str, int],
                  persons: pd.DataFrame, rate: float, rng: np.random.Generator
                  ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Change ``rate`` of the true rows (the first ``true_n[feed]``) of :data:`DIRTY_FEEDS`
    in place; returns the feeds and ``links`` (feed, record_id, person_key)."""
    ids_all = persons["id_number"].to_numpy().astype(str)
    births = persons["birth"].to_numpy().astype("datetime64[D]")
    from renkou.registry.synth.people import _GIVEN_F, _GIVEN_M, _SURNAMES

    sounds = _homophones(_SURNAMES + _GIVEN_M + _GIVEN_F)
    links: list[pd.DataFrame] = []
    for key in DIRTY_FEEDS:
        if key not in feeds:
            continue
        df = feeds[key]
        n = true_n[key]
        rid = df["记录编号"]
        once = ~rid.duplicated(keep=False).to_numpy()
        ok = np.zeros(len(df), dtype=bool)
        ok[:n] = True
        if "_file" in df:
            ok &= df["_file"].to_numpy() == ""
        ok &= once
        pool = np.flatnonzero(ok)
        k = round(n * rate)
        if not k or not len(pool):
            continue
        rows = np.sort(rng.choice(pool, size=min(k, len(pool)), replace=False))
        idv = df["公民身份号码"].to_numpy().astype(str)[rows]
        names = df["姓名"].to_numpy().astype(str)[rows]
        pids = df["_pid"].to_numpy()[rows]
        id_kind = rng.choice(len(ID_KINDS), size=len(rows), p=ID_P)
        name_kind = rng.choice(len(NAME_KINDS), size=len(rows), p=NAME_P)
        new_ids, new_names = [], []
        for number, name, pid, ik, nk in zip(idv, names, pids, id_kind, name_kind, strict=True):
            kind = ID_KINDS[ik]
            if kind == "old15" and number[6:8] != "19":  # 15-digit numbers predate 2000
                kind = "digit"
            if kind == "missing":
                new = ""
            elif kind == "old15":
                new = number[:6] + number[8:17]
            elif kind == "other_person":  # a relative's or neighbour's number: other birth date
                while True:
                    j = int(rng.integers(0, len(ids_all)))
                    if births[j] != births[pid] and ids_all[j] != number:
                        break
                new = ids_all[j]
            else:
                new = _typo(number, rng, kind == "transposed")
            new_ids.append(new)
            new_names.append(_variant(name, NAME_KINDS[nk], rng, sounds))
        at = df.index[rows]
        df.loc[at, "公民身份号码"] = new_ids
        df.loc[at, "姓名"] = new_names
        links.append(pd.DataFrame({"feed": key, "record_id": rid.to_numpy()[rows],
                                   "person_key": [person_key(x) for x in idv]}))
    frame = (pd.concat(links, ignore_index=True) if links
             else pd.DataFrame(columns=["feed", "record_id", "person_key"]))
    return feeds, frame
