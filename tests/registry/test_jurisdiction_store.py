"""A store serves one jurisdiction: it records it on the first batch, checks division codes
against that jurisdiction's areas, counts its areas and refuses another jurisdiction's
batch without writing anything."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.errors import InputError, StoreError
from renkou.ids import generate
from renkou.jurisdictions import get_jurisdiction
from renkou.registry import Provenance, Registry, record_origin
from renkou.registry.feeds import FeedField
from renkou.registry.ingest import ingest_directory
from renkou.registry.sql import region_sql
from renkou.registry.store import Store
from renkou.registry.validate import code_valid_sql
from renkou.settings import Settings

SMALL = Path(__file__).parent / "data" / "small"
HUKOU = ["记录编号", "公民身份号码", "姓名", "性别", "出生日期", "变动类型", "变动日期",
         "户籍地行政区划代码", "迁入迁出地行政区划代码", "户口性质", "登记日期"]
RESIDENCE = ["记录编号", "公民身份号码", "姓名", "性别", "出生日期", "业务类型",
             "现居住地行政区划代码", "起始日期", "有效期至", "登记日期"]
CENSUS = ["记录编号", "普查类型", "标准时点", "公民身份号码", "姓名", "性别", "出生日期",
          "现住地行政区划代码", "户口登记地行政区划代码", "离开户口登记地时间", "受教育程度",
          "城乡", "登记日期"]


def people(n: int, seed: int) -> list[tuple[str, str, str]]:
    """``n`` valid (ID number, sex 男/女, birth date) triples."""
    rng = np.random.default_rng(seed)
    births = np.array(["1980-05-10", "1990-03-03", "1975-07-01", "2001-12-24", "1966-02-02",
                       "1995-09-09"][:n], dtype="datetime64[D]")
    sexes = np.array(["male", "female"] * n)[:n]
    ids = generate(np.array(["500101"] * n), births, sexes, rng)
    return [(str(i), "男" if s == "male" else "女", str(b))
            for i, s, b in zip(ids, sexes, births, strict=True)]


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)


def hukou_row(rid: str, p: tuple[str, str, str], kind: str, day: str, code: str,
              other: str = "") -> list[str]:
    return [rid, p[0], "某", p[1], p[2], kind, day, code, other, "家庭户", day]


def chongqing_feeds(out: Path) -> list[tuple[str, str, str]]:
    """Five persons: hukou in a 市辖区 (500101) and a 县 (500229), one moving out to
    another province in 2022, one whose hukou code lies in another province (outside:
    quarantined), one resident by residence registration only; the census names a hukou
    place outside the city (valid there)."""
    out.mkdir(parents=True, exist_ok=True)
    p = people(5, 3)
    write(out / "police_hukou_2020.csv", HUKOU, [
        hukou_row("H1", p[0], "户籍登记", "2000-01-01", "500101001"),
        hukou_row("H2", p[1], "户籍登记", "2008-03-03", "500229100"),
        hukou_row("H3", p[2], "户籍登记", "2010-01-01", "120101001"),
        hukou_row("H4", p[1], "迁出", "2022-06-01", "500229100", "120101001"),
    ])
    write(out / "police_residence_2020.csv", RESIDENCE, [
        ["R1", p[3][0], "某", p[3][1], p[3][2], "居住登记", "500103001", "2019-01-01", "",
         "2019-01-05"],
        ["R2", p[4][0], "某", p[4][1], p[4][2], "居住登记", "120101001", "2019-01-01", "",
         "2019-01-05"],
    ])
    write(out / "stats_census_2020.csv", CENSUS, [
        ["C1", "人口普查", "2020-11-01", p[3][0], "某", p[3][1], p[3][2], "500103001",
         "120101001", "半年以上", "高中", "城镇", "2020-11-10"],
    ])
    return p


@pytest.fixture
def chongqing(tmp_path: Path) -> Path:
    db = tmp_path / "cq.duckdb"
    chongqing_feeds(tmp_path / "feeds")
    with Store(db) as store:
        report = ingest_directory(store, tmp_path / "feeds", jurisdiction="chongqing")
    assert report.rows_read == 7
    return db


def test_chongqing_feeds_counted_in_their_districts(chongqing: Path) -> None:
    with Registry(chongqing, read_only=True) as reg:
        assert reg.jurisdiction().key == "chongqing"
        hukou = reg.caliber(date(2020, 11, 1), "hukou", by=("region",))
        assert dict(zip(hukou["region"], hukou["value"], strict=True)) == {
            "500101": 1, "500229": 1}
        later = reg.caliber(date(2024, 12, 31), "hukou", by=("region",))
        assert later["region"].tolist() == ["500101"]  # moved out of the city in 2022
        resident = reg.caliber(date(2020, 11, 1), "resident", level="city", by=("region",))
        assert resident.to_dict("records") == [{"region": "500000", "value": 3}]
        sep = reg.separation(date(2020, 11, 1))
        assert sep.to_dict("records") == [
            {"region": "500103", "kind": "outside_city", "value": 1}]
        quarantined = reg.store.frame(
            "SELECT feed, record_id, reason, field FROM quarantine ORDER BY record_id")
    # Codes of another province are outside: refused where the place must be inside,
    # accepted where the other end may lie outside (迁出 destination, census hukou place).
    assert quarantined.to_dict("records") == [
        {"feed": "police_hukou", "record_id": "H3", "reason": "unknown_division",
         "field": "hukou_code"},
        {"feed": "police_residence", "record_id": "R2", "reason": "unknown_division",
         "field": "residence_code"}]


def test_another_jurisdictions_batch_is_refused_and_nothing_written(chongqing: Path) -> None:
    def snapshot() -> dict[str, pd.DataFrame]:
        with Store(chongqing, read_only=True) as store:
            tables = [r[0] for r in store.rows(
                "SELECT table_name FROM information_schema.tables ORDER BY 1")]
            return {t: store.frame(f"SELECT * FROM {t}") for t in tables}

    before, raw = snapshot(), chongqing.read_bytes()
    with Store(chongqing) as store, pytest.raises(InputError) as err:
        ingest_directory(store, SMALL)  # the settings' jurisdiction: tianjin
    tj, cq = get_jurisdiction("tianjin"), get_jurisdiction("chongqing")
    assert cq.name in err.value.message and tj.name in err.value.message
    assert "未写入" in err.value.message
    with Store(chongqing) as store, pytest.raises(InputError):
        ingest_directory(store, SMALL, jurisdiction="tianjin")
    assert chongqing.read_bytes() == raw
    after = snapshot()
    assert list(after) == list(before)
    for table, frame in before.items():
        pd.testing.assert_frame_equal(after[table], frame, obj=table)
    assert len(after["ingest_batches"]) == 1


def test_xiqing_codes_inside_are_its_streets(tmp_path: Path) -> None:
    xq = get_jurisdiction("xiqing")
    assert len(xq.area_codes) == 10
    fields = {scope: FeedField("x", "x", "code", True, scope=scope)
              for scope in ("inside_street", "inside_any", "any")}
    codes = [*xq.area_codes, f"{xq.area_codes[0]}005", "120111", "120104001", "120104",
             "120111999", "500101001", "990101001"]
    with Store(tmp_path / "x.duckdb") as store:
        store.register("codes", pd.DataFrame({"x": codes}))
        got = store.frame(
            "SELECT x, " + ", ".join(f"{code_valid_sql(f, xq)} AS {scope}"
                                     for scope, f in fields.items())
            + f", {region_sql('x', 'street', xq)} AS street"
            + f", {region_sql('x', 'district', xq)} AS district"
            + f", {region_sql('x', 'city', xq)} AS city FROM codes").set_index("x")
    streets = list(xq.area_codes)
    assert got.loc[streets, "inside_street"].all()
    assert got.loc[[*streets, f"{streets[0]}005", "120111"], "inside_any"].all()
    # Another Tianjin district is outside Xiqing: valid only where outside is allowed.
    for outside in ("120104001", "120104", "500101001"):
        assert not got.loc[outside, "inside_street"] and not got.loc[outside, "inside_any"]
        assert got.loc[outside, "any"]
        assert pd.isna(got.loc[outside, "street"]) and pd.isna(got.loc[outside, "city"])
    # Inside the prefix but no 街镇 of it, or no province at all: valid nowhere.
    for bad in ("120111999", "990101001"):
        assert not got.loc[bad, ["inside_street", "inside_any", "any"]].any()
    assert got.loc[streets, "street"].tolist() == streets
    assert set(got.loc[streets, "district"]) == {"120111"}
    assert set(got.loc[streets, "city"]) == {"120111"}


def test_xiqing_store_counts_its_streets(tmp_path: Path) -> None:
    xq = get_jurisdiction("xiqing")
    p = people(3, 5)
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    write(feeds / "police_hukou_2020.csv", HUKOU, [
        hukou_row("H1", p[0], "户籍登记", "2000-01-01", xq.area_codes[0]),
        hukou_row("H2", p[1], "户籍登记", "2000-01-01", xq.area_codes[5]),
        hukou_row("H3", p[2], "户籍登记", "2000-01-01", "120104001"),
    ])
    db = tmp_path / "xq.duckdb"
    with Store(db) as store:
        report = ingest_directory(store, feeds, jurisdiction="xiqing")
    assert (report.accepted, report.quarantined) == (2, 1)
    with Registry(db, read_only=True) as reg:
        assert reg.jurisdiction() == xq
        street = reg.caliber(date(2020, 11, 1), "hukou", level="street", by=("region",))
        district = reg.caliber(date(2020, 11, 1), "hukou", level="district", by=("region",))
    assert street["region"].tolist() == [xq.area_codes[0], xq.area_codes[5]]
    assert district.to_dict("records") == [{"region": "120111", "value": 2}]


def test_synthetic_marker_sets_jurisdiction_and_provenance(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    chongqing_feeds(feeds)
    (feeds / "synthetic.json").write_text(json.dumps(
        {"jurisdiction": "chongqing", "persons": 5, "seed": 3}), encoding="utf-8")
    (feeds / "truth").mkdir()
    pd.DataFrame({"region": ["120101"], "value": [1]}).to_csv(
        feeds / "truth" / "calibers.csv", index=False)
    marker = (feeds / "synthetic.json").read_bytes()
    db = tmp_path / "s.duckdb"
    with Store(db) as store, pytest.raises(InputError, match="不一致"):
        ingest_directory(store, feeds, jurisdiction="tianjin")
    with Store(db) as store:
        assert not store.scalar("SELECT count(*) FROM ingest_batches")
        report = ingest_directory(store, feeds)  # settings say tianjin; the marker wins
    assert report.rows_read == 7 and report.ignored == ()
    assert {f.file for f in report.files} == {
        "police_hukou_2020.csv", "police_residence_2020.csv", "stats_census_2020.csv"}
    assert (feeds / "synthetic.json").read_bytes() == marker
    with Registry(db, read_only=True) as reg:
        assert reg.jurisdiction().key == "chongqing"
        assert reg.provenance() == Provenance(synthetic=True, persons=5, seed=3)


def test_department_store_provenance_and_older_stores(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from renkou.settings import get_settings

    db = tmp_path / "t.duckdb"
    with Store(db) as store:
        ingest_directory(store, SMALL)
    with Registry(db, read_only=True) as reg:
        assert reg.jurisdiction().key == "tianjin"
        assert reg.provenance() == Provenance(synthetic=False, persons=None, seed=None)
    with Store(db) as store:  # as built before jurisdictions were recorded
        store.execute("DELETE FROM store_meta WHERE key = 'jurisdiction'")
    with Registry(db, read_only=True, settings=Settings(jurisdiction="xiqing")) as reg:
        assert reg.jurisdiction().key == "xiqing"
    monkeypatch.setenv("RENKOU_JURISDICTION", "chongqing")
    get_settings.cache_clear()
    with Registry(db, read_only=True) as reg:  # settings read when opened
        assert reg.jurisdiction().key == "chongqing"
    with Store(db) as store, pytest.raises(InputError):  # now read as a Chongqing store
        ingest_directory(store, SMALL, jurisdiction="tianjin")


def test_record_origin(tmp_path: Path) -> None:
    db = tmp_path / "o.duckdb"
    with Registry(db) as reg:
        assert reg.provenance() == Provenance(synthetic=False)
        record_origin(reg, "xiqing", synthetic=True, persons=2_000, seed=9)
        assert reg.jurisdiction().key == "xiqing"
        assert reg.provenance() == Provenance(synthetic=True, persons=2_000, seed=9)
        record_origin(reg.store, "xiqing", synthetic=True, persons=3_000, seed=None)
        assert reg.provenance() == Provenance(synthetic=True, persons=3_000, seed=None)
        with pytest.raises(InputError):
            record_origin(reg, "tianjin", synthetic=False)
        assert reg.jurisdiction().key == "xiqing"
    with Registry(db, read_only=True) as reg, pytest.raises(StoreError):
        record_origin(reg, "xiqing", synthetic=True)


def test_origin_recorded_before_the_first_batch_is_kept(tmp_path: Path) -> None:
    chongqing_feeds(tmp_path / "feeds")
    db = tmp_path / "d.duckdb"
    with Store(db) as store:
        record_origin(store, "chongqing", synthetic=True, persons=5, seed=3)
        with pytest.raises(InputError):  # recorded, though still empty
            ingest_directory(store, SMALL)
        ingest_directory(store, tmp_path / "feeds", jurisdiction="chongqing")
    with Registry(db, read_only=True) as reg:
        assert reg.jurisdiction().key == "chongqing"
        assert reg.provenance() == Provenance(synthetic=True, persons=5, seed=3)
        assert reg.caliber(date(2020, 11, 1), "hukou", by=()).iloc[0]["value"] == 2


def renkou(*args: str) -> subprocess.CompletedProcess[str]:
    exe = str(Path(sys.executable).parent / "renkou")
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_cli_ingest_for_a_jurisdiction_and_refusal_of_another(tmp_path: Path) -> None:
    chongqing_feeds(tmp_path / "feeds")
    db = tmp_path / "cq.duckdb"
    r = renkou("registry", "ingest", "--quiet", "--db", str(db), "--jurisdiction", "chongqing",
               str(tmp_path / "feeds"))
    assert r.returncode == 0, r.stderr
    out = tmp_path / "c.csv"
    r = renkou("registry", "stats", "--db", str(db), "--as-of", "2020-11-01", "--caliber",
               "resident", "--by", "region", "--level", "city", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert pd.read_csv(out, dtype={"region": str}).to_dict("records") == [
        {"region": "500000", "value": 3}]
    raw = db.read_bytes()
    r = renkou("registry", "ingest", "--quiet", "--db", str(db), str(SMALL))
    assert r.returncode == 2 and "未写入" in r.stderr
    assert db.read_bytes() == raw
    q = renkou("registry", "quality", "--db", str(db))
    assert q.returncode == 0 and "chongqing" in q.stdout
