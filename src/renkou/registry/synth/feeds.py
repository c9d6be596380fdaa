"""Department feed files of the synthetic city (部门数据文件): the true rows plus realistic dirt,
written per docs/registry-contract.md, with ``truth/calibers.csv`` and ``truth/manifest.json``.

Dirt is *added on top* of the true records so that a correct registry recovers the truth:
rows of every quarantine kind (bad check character, ID–sex and ID–birth-date mismatch,
unknown division code, event after death, date in the future, exact duplicate) are extra
copies with their own 记录编号; conflicting facts (a funeral record's 死亡日期 differing from
the death certificate), late deliveries and corrected re-deliveries (a wrong first version
superseded by the same 记录编号 with a later 登记日期) change how true records arrive."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from renkou.registry.synth.city import SyntheticCity, generate_city
from renkou.registry.synth.dates import END
from renkou.registry.synth.dirty_ids import DIRTY_FEEDS, add_dirty_ids
from renkou.registry.synth.people import id_keys
from renkou.registry.synth.rows import PREFIX, ds, true_rows
from renkou.registry.synth.targets import Targets, targets
from renkou.registry.synth.truth import separation_at, truth_calibers

DIRT_RATE = 0.005  # share of a feed's rows per dirt kind
QUARANTINE_KINDS = ("bad_check_character", "id_sex_mismatch", "id_birth_mismatch",
                    "unknown_division", "event_after_death", "future_date", "duplicate")
OTHER_KINDS = ("conflict", "late_delivery", "correction")

ID_COL = {"health_birth": "新生儿公民身份号码", "civil_marriage": "男方公民身份号码"}
EVENT_COL = {"police_hukou": "变动日期", "police_residence": "起始日期", "health_birth": "出生日期",
             "health_death": "死亡日期", "civil_marriage": "登记日期", "civil_funeral": "死亡日期",
             "edu_school": "入学日期", "hrss_employment": "就业登记日期",
             "hrss_insurance": "缴费起始月", "stats_census": "标准时点"}
CODE_COL = {"police_hukou": "户籍地行政区划代码", "police_residence": "现居住地行政区划代码",
            "health_birth": "出生地行政区划代码", "health_death": "死亡地行政区划代码",
            "civil_marriage": "登记机关行政区划代码", "civil_funeral": "殡仪馆行政区划代码",
            "edu_school": "学校所在地行政区划代码", "hrss_employment": "单位所在地行政区划代码",
            "hrss_insurance": "参保地行政区划代码", "stats_census": "现住地行政区划代码"}
# How each feed is delivered: (format, encoding, split files by year).
FORMATS = {"police_hukou": ("csv", "utf-8", True), "police_residence": ("csv", "utf-8", True),
           "health_birth": ("csv", "gb18030", True), "health_death": ("csv", "utf-8", True),
           "civil_marriage": ("csv", "gb18030", False), "civil_funeral": ("xlsx", "", True),
           "edu_school": ("parquet", "", True), "hrss_employment": ("csv", "utf-8", True),
           "hrss_insurance": ("parquet", "", True), "stats_census": ("csv", "utf-8", False)}
XLSX_MAX_ROWS = 50_000  # larger yearly files fall back to CSV (openpyxl is slow)
_CHECK = "0123456789X"
MARKER = "synthetic.json"  # provenance beside the feeds (docs/registry-contract.md)


def _pick(n: int, rng: np.random.Generator, rate: float = DIRT_RATE,
          allowed: np.ndarray | None = None) -> np.ndarray:
    pool = np.flatnonzero(allowed) if allowed is not None else np.arange(n)
    k = min(len(pool), max(1, round(n * rate))) if n >= 50 and len(pool) else 0
    return np.sort(rng.choice(pool, size=k, replace=False)) if k else np.array([], np.int64)


def _wrong_check(ids: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    last = np.array([s[-1] for s in ids])
    shift = rng.integers(1, 11, len(ids))
    new = np.array([_CHECK[(_CHECK.index(c) + k) % 11] for c, k in zip(last, shift, strict=True)])
    return np.char.add(np.array([s[:-1] for s in ids]), new) if len(ids) else ids


def _parse(col: pd.Series) -> np.ndarray:
    """YYYY-MM-DD text to ``datetime64[D]`` (empty → NaT), parsed by Arrow."""
    arr = pa.array(col.to_numpy(), type=pa.string(), from_pandas=True)
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    return np.asarray(pc.cast(arr, pa.date32()).to_numpy(zero_copy_only=False),
                      dtype="datetime64[D]")


def _shift_dates(col: pd.Series, lo: int, hi: int,
                 rng: np.random.Generator) -> pd.api.extensions.ExtensionArray:
    d = _parse(col)
    return ds(d + rng.integers(lo, hi + 1, len(d)).astype("timedelta64[D]"))


def _nth_street(t: Targets, district: np.ndarray, nth: np.ndarray) -> np.ndarray:
    """The ``nth`` (1-based) street of each county in code order."""
    out = np.zeros(len(district), dtype=np.int64)
    for d in np.unique(district):
        codes = np.array(sorted(s.code for s in t.streets if s.district == d), dtype=np.int64)
        sel = district == d
        out[sel] = codes[np.minimum(nth[sel], len(codes)) - 1]
    return out


def add_dirt(feeds: dict[str, pd.DataFrame], city: SyntheticCity, rng: np.random.Generator
             ) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, int]]]:
    """Return feeds with dirt (column ``_file`` tags late and corrected rows) and counts."""
    death = city.persons["death"].to_numpy().astype("datetime64[D]")
    t = targets(city.jurisdiction)
    unknown_code = t.unknown_division
    counts: dict[str, dict[str, int]] = {}
    out: dict[str, pd.DataFrame] = {}
    for key, df in feeds.items():
        df = df.assign(_file="")
        c = {k: 0 for k in (*QUARANTINE_KINDS, *OTHER_KINDS)}
        extra: list[pd.DataFrame] = []
        seq = [0]

        def copies(rows: np.ndarray, kind: str, change: Callable[[pd.DataFrame], None],
                   df: pd.DataFrame = df, c: dict[str, int] = c,
                   extra: list[pd.DataFrame] = extra, seq: list[int] = seq,
                   key: str = key) -> None:
            if not len(rows):
                return
            x = df.iloc[rows].copy()
            change(x)
            ids = np.arange(seq[0] + 1, seq[0] + len(x) + 1).astype(str)
            head = PREFIX[key] + (f"{city.part:02d}" if city.part else "") + "X"
            x["记录编号"] = np.char.add(head, np.char.zfill(ids, 8))
            seq[0] += len(x)
            c[kind] += len(x)
            extra.append(x)

        idc = ID_COL.get(key, "公民身份号码")
        n = len(df)

        def bad_check(x: pd.DataFrame, idc: str = idc) -> None:
            x[idc] = _wrong_check(x[idc].to_numpy().astype(str), rng)
        copies(_pick(n, rng), "bad_check_character", bad_check)
        if "性别" in df:
            def flip(x: pd.DataFrame) -> None:
                x["性别"] = np.where(x["性别"] == "男", "女", "男")
            copies(_pick(n, rng), "id_sex_mismatch", flip)
        if "出生日期" in df and key != "health_birth":
            def shift_birth(x: pd.DataFrame) -> None:
                x["出生日期"] = _shift_dates(x["出生日期"], -400, -1, rng)
            copies(_pick(n, rng), "id_birth_mismatch", shift_birth)
        cc = CODE_COL[key]

        def unknown(x: pd.DataFrame, cc: str = cc) -> None:
            v = x[cc].to_numpy().astype(str)
            x[cc] = np.where(np.char.str_len(v) >= 9, unknown_code + np.char.zfill(
                rng.integers(1, 999, len(v)).astype(str), 3), unknown_code)
        copies(_pick(n, rng), "unknown_division", unknown)
        ev = EVENT_COL[key]
        if key in ("police_residence", "hrss_employment", "edu_school"):
            pdth = death[df["_pid"].to_numpy()]
            ok = ~np.isnat(pdth) & (pdth <= END - 200)
            if key == "police_residence":
                ok &= (df["业务类型"] == "居住登记").to_numpy()

            def after(x: pd.DataFrame, ev: str = ev) -> None:
                dd = death[x["_pid"].to_numpy()]
                when = ds(dd + rng.integers(30, 181, len(x)).astype("timedelta64[D]"))
                x[ev] = when
                x["登记日期"] = when
                for col in ("终止日期", "离校日期", "离校类型"):
                    if col in x:
                        x[col] = ""
            copies(_pick(n, rng, allowed=ok), "event_after_death", after)

        def future(x: pd.DataFrame, ev: str = ev, key: str = key) -> None:
            y = rng.integers(2031, 2034, len(x)).astype(str)
            if key == "health_birth":  # a future birth date would also contradict the ID
                pass
            elif ev.endswith("月"):
                x[ev] = np.char.add(y, "-06")
                x["缴费截止月"] = np.char.add(y, "-12")
            else:
                x[ev] = np.char.add(y, "-03-15")
            x["登记日期"] = np.char.add(y, "-03-20")
        if key != "stats_census":
            copies(_pick(n, rng), "future_date", future)
        # Rows changed in place: conflicts, late deliveries, corrections (disjoint sets).
        free = np.ones(n, dtype=bool)
        if key == "civil_funeral":
            rows = _pick(n, rng, rate=0.02)
            free[rows] = False
            dd = _parse(df["死亡日期"].iloc[rows])
            cr = _parse(df["火化日期"].iloc[rows])
            later = dd + rng.integers(1, 4, len(rows)).astype("timedelta64[D]")
            df.loc[df.index[rows], "死亡日期"] = ds(later)
            df.loc[df.index[rows], "火化日期"] = ds(np.maximum(cr, later))
            df.loc[df.index[rows], "登记日期"] = ds(np.maximum(cr, later))
            c["conflict"] += len(rows)
        rec = _parse(df["登记日期"])
        late_ok = free & (rec <= END - 400) & (rec >= np.datetime64("2015-01-01"))
        if key == "civil_marriage":  # its 登记日期 is the event date itself
            late_ok[:] = False
        rows = _pick(n, rng, rate=0.01, allowed=late_ok)
        free[rows] = False
        df.loc[df.index[rows], "登记日期"] = ds(
            rec[rows] + rng.integers(200, 400, len(rows)).astype("timedelta64[D]"))
        df.loc[df.index[rows], "_file"] = "late"
        c["late_delivery"] += len(rows)
        if key in ("police_residence", "hrss_employment", "police_hukou"):
            ok = free & (rec <= END - 30) & (rec >= np.datetime64("2015-01-01"))
            if key == "police_residence":
                ok &= (df["业务类型"] == "居住登记").to_numpy()
            if key == "police_hukou":
                ok &= (df["变动类型"] == "迁入").to_numpy()
            rows = _pick(n, rng, rate=0.003, allowed=ok)
            free[rows] = False
            wrong = df.iloc[rows].copy()
            v = wrong[cc].to_numpy().astype(str)
            # A valid but wrong street of the same district (first delivery).
            alt = (v.astype(np.int64) // 1000) if key != "police_residence" else \
                np.array([int(s[:9]) for s in v]) // 1000
            wrong[cc] = _nth_street(t, alt, rng.integers(1, 4, len(v))).astype(str)
            same = wrong[cc].to_numpy() == np.array([s[:9] for s in v])
            wrong.loc[same, cc] = _nth_street(t, alt[same], np.full(int(same.sum()), 4)
                                              ).astype(str)
            fixed_date = rec[rows] + rng.integers(10, 30, len(rows)).astype("timedelta64[D]")
            df.loc[df.index[rows], "登记日期"] = ds(np.minimum(fixed_date, END))
            df.loc[df.index[rows], "_file"] = "corrected"
            extra.append(wrong)
            c["correction"] += len(rows)
        dup = _pick(n, rng, allowed=free)
        extra.append(df.iloc[dup].copy())
        c["duplicate"] += len(dup)
        out[key] = pd.concat([df, *extra], ignore_index=True)
        counts[key] = c
    return out, counts


def _write(df: pd.DataFrame, path: Path, fmt: str, encoding: str) -> str:
    cols = [c for c in df.columns if not c.startswith("_")]
    df = df[cols]
    if fmt == "xlsx" and len(df) > XLSX_MAX_ROWS:
        fmt, encoding, path = "csv", "utf-8", path.with_suffix(".csv")
    if not all(pd.api.types.is_string_dtype(df[c]) for c in cols):
        df = df.astype(str)
    if fmt == "csv" and encoding == "utf-8":
        table = pa.Table.from_pandas(df, preserve_index=False)
        pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))
    elif fmt == "csv":
        df.to_csv(path, index=False, encoding=encoding, lineterminator="\n")
    elif fmt == "xlsx":
        df.to_excel(path, index=False, engine="openpyxl")
    else:
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path)
    return path.name


def _write_part(city: SyntheticCity, out: Path, dirt: bool, say: Callable[[str], None],
                dirty_ids: float = 0.0) -> tuple[dict[str, dict[str, object]], dict[str, int],
                                                 dict[str, dict[str, int]], pd.DataFrame | None]:
    """Write one city (or one part of a large city); returns files, true and dirty counts
    and, with ``dirty_ids``, who the rows with dirty ID numbers really are."""
    rng = np.random.default_rng([city.seed, 2] if city.part == 0 else [city.seed, 2, city.part])
    say("生成部门原始记录 building true rows")
    feeds = true_rows(city, rng)
    true_counts = {k: len(v) for k, v in feeds.items()}
    counts: dict[str, dict[str, int]] = {}
    if dirt:
        say("加入脏数据 adding dirt")
        feeds, counts = add_dirt(feeds, city, rng)
    links = None
    if dirty_ids > 0:  # its own random stream: the feeds without it stay as they were
        say("加入证件号码脏数据 adding dirty ID numbers")
        feeds, links = add_dirty_ids(
            feeds, true_counts, city.persons, dirty_ids,
            np.random.default_rng([city.seed, 3, city.part]))
        for key in DIRTY_FEEDS:
            counts.setdefault(key, {})["dirty_id"] = int((links["feed"] == key).sum())
    files: dict[str, dict[str, object]] = {}
    tail = f"_p{city.part:02d}" if city.part else ""
    for key in list(feeds):
        df = feeds.pop(key)  # free each feed once written
        fmt, enc, by_year = FORMATS[key]
        if city.part and fmt == "xlsx":  # XLSX is slow to write; one part shows the format
            fmt, enc = "csv", "gb18030"
        say(f"写出 {key}（{len(df):,} 行）")
        tag = df["_file"] if "_file" in df else pd.Series("", index=df.index)
        year = df["登记日期"].str[:4].astype(int).clip(2015, 2024)
        for t in ("", "late", "corrected"):
            sel = df[tag.to_numpy() == t]
            if not len(sel):
                continue
            if t == "corrected":
                groups = [("corrected", sel)]
                f, e = "xlsx", ""
            elif t == "late":
                groups = [("late", sel)]
                f, e = fmt, enc
            else:
                ys = year[sel.index]
                groups = ([(f"{y}", g) for y, g in sel.groupby(ys)] if by_year
                          else [("all", sel)])
                f, e = fmt, enc
            for name, g in groups:
                g = g.sort_values("登记日期", kind="stable")
                suffix = {"csv": ".csv", "xlsx": ".xlsx", "parquet": ".parquet"}[f]
                written = _write(g, out / f"{key}_{name}{tail}{suffix}", f, e)
                files[written] = {"feed": key, "rows": len(g),
                                  "format": Path(written).suffix[1:],
                                  "encoding": e if Path(written).suffix == ".csv" else ""}
    return files, true_counts, counts, links


def _truth_of(city: SyntheticCity) -> tuple[pd.DataFrame, pd.DataFrame]:
    sep = pd.concat([separation_at(city, d) for d in ("2020-11-01", "2024-12-31")],
                    ignore_index=True)
    return truth_calibers(city), sep


def _finish(out: Path, jurisdiction: str, seed: int, persons: int, people: int,
            truth: pd.DataFrame, sep: pd.DataFrame, files: dict[str, dict[str, object]],
            true_counts: dict[str, int], counts: dict[str, dict[str, int]]) -> dict[str, object]:
    (out / MARKER).write_text(json.dumps(
        {"jurisdiction": jurisdiction, "persons": persons, "seed": seed}), encoding="utf-8")
    truth.to_csv(out / "truth" / "calibers.csv", index=False, lineterminator="\n")
    sep.to_csv(out / "truth" / "separation.csv", index=False, lineterminator="\n")
    dirty: dict[str, int] = {}
    for c in counts.values():
        for k, v in c.items():
            dirty[k] = dirty.get(k, 0) + v
    manifest: dict[str, object] = {
        "jurisdiction": jurisdiction, "seed": seed, "persons": persons,
        "people_total": people,
        "files": dict(sorted(files.items())),
        "rows_written": sum(int(str(f["rows"])) for f in files.values()),
        "true_rows": true_counts,
        "dirty": dirty, "dirty_by_feed": counts,
        "expected_quarantined": sum(dirty.get(k, 0) for k in (*QUARANTINE_KINDS, "dirty_id")),
        "notes": ("quarantine kinds are extra rows a correct registry rejects; 'correction' "
                  "counts wrong first versions (accepted, then superseded by the same 记录编号 "
                  "with a later 登记日期); 'conflict' rows are civil_funeral rows whose 死亡日期 "
                  "loses to health_death; 'late_delivery' rows are true rows in *_late files."),
    }
    (out / "truth" / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def _write_links(out: Path, links: list[pd.DataFrame]) -> None:
    if links:
        pd.concat(links, ignore_index=True).to_csv(out / "truth" / "links.csv", index=False,
                                                   lineterminator="\n")


def write_feeds(city: SyntheticCity, out_dir: Path | str, *, dirt: bool = True,
                progress: Callable[[str], None] | None = None,
                dirty_ids: float = 0.0) -> dict[str, object]:
    """Write every feed of ``city`` into ``out_dir`` plus ``truth/`` and ``synthetic.json``;
    returns the manifest."""
    out = Path(out_dir)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _m: None)
    files, true_counts, counts, links = _write_part(city, out, dirt, say, dirty_ids)
    _write_links(out, [links] if links is not None else [])
    say("计算真实口径 computing truth")
    truth, sep = _truth_of(city)
    return _finish(out, city.jurisdiction, city.seed, city.size, len(city.persons), truth, sep,
                   files, true_counts, counts)


PART_SIZE = 1_000_000  # residents per part of a large city (bounds memory to ~3.5 GB)


def synthesize(out_dir: Path | str, persons: int, seed: int, *, dirt: bool = True,
               progress: Callable[[str], None] | None = None,
               part_size: int = PART_SIZE, jurisdiction: str = "tianjin",
               dirty_ids: float = 0.0) -> dict[str, object]:
    """Generate and write the city of ``jurisdiction`` of any size in parts of at most
    ``part_size`` residents.

    A city that fits in one part is exactly ``write_feeds(generate_city(persons, seed))``.
    Larger cities are built as independent parts (each a full mini-city of the jurisdiction with
    its own random stream and distinct ID numbers), written as ``*_pNN`` files; the truth
    is the sum of the parts' truths."""
    out = Path(out_dir)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _m: None)
    k = max(1, -(-persons // part_size))
    sizes = [persons // k + (1 if i < persons % k else 0) for i in range(k)]
    taken = np.zeros(0, dtype=np.int64)
    files: dict[str, dict[str, object]] = {}
    true_counts: dict[str, int] = {}
    counts: dict[str, dict[str, int]] = {}
    truths: list[pd.DataFrame] = []
    seps: list[pd.DataFrame] = []
    all_links: list[pd.DataFrame] = []
    people = 0
    for part, size in enumerate(sizes):
        say(f"第 {part + 1}/{k} 部分：生成 {size:,} 人 part {part + 1}/{k}")
        city = generate_city(size, seed, part, taken if part else None,
                             jurisdiction=jurisdiction)
        people += len(city.persons)
        if k > 1:
            taken = np.unique(np.concatenate([taken, id_keys(
                city.persons["id_number"].to_numpy().astype(str))]))
        f, tc, c, lk = _write_part(city, out, dirt, say, dirty_ids)
        if lk is not None:
            all_links.append(lk)
        files.update(f)
        for key, v in tc.items():
            true_counts[key] = true_counts.get(key, 0) + v
        for key, kinds in c.items():
            acc = counts.setdefault(key, {})
            for kind, v in kinds.items():
                acc[kind] = acc.get(kind, 0) + v
        say("计算真实口径 computing truth")
        t, s = _truth_of(city)
        truths.append(t)
        seps.append(s)
        del city
    if k == 1:
        truth, sep = truths[0], seps[0]
    else:
        truth = (pd.concat(truths).groupby(["as_of", "caliber", "region", "sex", "age"],
                                           sort=False)["value"].sum().reset_index())
        order = {c: i for i, c in enumerate(("hukou", "resident", "employed", "active"))}
        truth = truth.sort_values(["as_of", "caliber", "region", "sex", "age"],
                                  key=lambda col: col.map(order) if col.name == "caliber"
                                  else col, kind="stable").reset_index(drop=True)
        sep = (pd.concat(seps).groupby(["as_of", "region", "kind"], sort=True)["value"].sum()
               .reset_index())
    _write_links(out, all_links)
    return _finish(out, targets(jurisdiction).key, seed, persons, people, truth, sep, files,
                   true_counts, counts)
