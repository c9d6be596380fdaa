"""What linkage compares (in memory only): the rows quarantined for their ID number, read
again from the delivered files the quarantine names, and the registry's persons with their
identities decrypted. Neither is written anywhere."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from renkou.errors import StoreError
from renkou.ids import upgrade15
from renkou.registry.crypto import Keys, decrypt
from renkou.registry.feeds import FeedSchema, feed_schemas
from renkou.registry.linkage.names import normalise, pinyin
from renkou.registry.loader import csv_encoding, file_hash
from renkou.registry.store import Store

# Quarantine reasons that say the row's ID number does not identify its person.
ID_REASONS = ("missing_field", "bad_id_check", "id_sex_mismatch", "id_birthdate_mismatch")


@dataclass(frozen=True)
class LinkFeed:
    """A feed whose rows name their person (ID, name, sex, birth date)."""

    schema: FeedSchema
    id_header: str
    name_header: str
    sex_header: str
    birth_header: str
    code_headers: tuple[str, ...]


def linkable_feeds() -> dict[str, LinkFeed]:
    out: dict[str, LinkFeed] = {}
    for key, s in feed_schemas().items():
        subject = [f for f in s.fields if f.field == s.subject]
        names = s.of_type("name")
        sexes = s.of_type("sex")
        births = [f for f in s.fields if f.field == "birth_date"]
        if subject and names and sexes and births:
            out[key] = LinkFeed(s, subject[0].header, names[0].header, sexes[0].header,
                                births[0].header, tuple(f.header for f in s.of_type("code")))
    return out


def _id17(number: str) -> str | None:
    """The first 17 digits a delivered number still carries (15-digit numbers upgraded)."""
    n = (number or "").strip().upper()
    if len(n) == 15 and n.isdigit():
        n = upgrade15(n)
    return n[:17] if len(n) >= 17 and n[:17].isdigit() else None


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path).astype(str).replace({"None": "", "nan": ""})
    if path.suffix == ".xlsx":
        return pd.read_excel(path, dtype=str).fillna("")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=csv_encoding(path))


def pending_rows(store: Store, feeds: dict[str, LinkFeed],
                 gone: list[str] | None = None) -> pd.DataFrame:
    """Quarantined rows with an ID problem not yet decided, with their delivered content:
    meta columns plus ``raw`` (the row as delivered, header → text) and the comparison
    columns. Rows of link batches and rows already accepted, rejected or duplicate are
    left out; rows waiting for review are scored again. Delivered files no longer where
    the ingest read them (or changed since) are named in ``gone`` and their rows skipped."""
    keys = ", ".join(f"'{k}'" for k in feeds)
    reasons = ", ".join(f"'{r}'" for r in ID_REASONS)
    q = store.frame(
        f"SELECT q.batch_id, q.feed, q.file_name, q.row_no, q.record_id, q.reason, q.field, "
        f"b.source_dir, f.file_hash FROM quarantine q JOIN ingest_batches b USING (batch_id) "
        f"JOIN ingest_files f ON f.batch_id = q.batch_id AND f.file_name = q.file_name "
        f"WHERE q.feed IN ({keys}) AND q.reason IN ({reasons}) "
        f"AND q.batch_id NOT IN (SELECT link_batch FROM links WHERE link_batch IS NOT NULL) "
        f"AND (q.batch_id, q.file_name, q.row_no) NOT IN (SELECT (batch_id, file_name, row_no) "
        f"FROM links WHERE status <> 'review') ORDER BY q.feed, q.batch_id, q.file_name, q.row_no")
    q = q[(q["reason"] != "missing_field") | (q["field"] == "id_number")]
    parts = []
    for (src, fname, fhash), g in q.groupby(["source_dir", "file_name", "file_hash"], sort=True):
        path = Path(str(src)) / str(fname)
        if not path.is_file() or file_hash(path) != fhash:
            if gone is None:
                raise StoreError(f"隔离记录所在的文件已不在原处或已被改动，无法再读：{path}"
                                 "（请把原交付目录放回原处）")
            gone.append(str(path))
            continue
        lf = feeds[str(g["feed"].iloc[0])]
        data = _read(path)
        rows = data.iloc[(g["row_no"].to_numpy() - 2)]
        part = g.reset_index(drop=True).copy()
        part["raw"] = pd.Series(rows.to_dict("records"), dtype=object).to_numpy()
        part["id_raw"] = rows[lf.id_header].to_numpy()
        part["name_raw"] = rows[lf.name_header].to_numpy()
        part["sex"] = rows[lf.sex_header].map({"男": "male", "女": "female"}).to_numpy()
        part["birth"] = rows[lf.birth_header].to_numpy()
        part["districts"] = [sorted({str(r[h])[:6] for h in lf.code_headers if r[h]})
                             for r in rows.to_dict("records")]
        parts.append(part)
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    out["id17"] = out["id_raw"].map(_id17)
    # A valid number whose sex or birth date contradicts the row is another person's (a
    # parent's, a neighbour's): it says nothing about who the row is.
    out.loc[out["reason"].isin(("id_sex_mismatch", "id_birthdate_mismatch")), "id17"] = None
    return out


def registry_persons(store: Store, keys: Keys) -> pd.DataFrame:
    """Every person of the store: pid, ID number and name (decrypted), sex, birth date and
    the districts of their events."""
    p = store.frame("SELECT i.pid, i.pii_enc, i.sex, CAST(i.birth_date AS VARCHAR) AS birth, "
                    "e.districts FROM identity i LEFT JOIN (SELECT pid, "
                    "list(DISTINCT left(location, 6) ORDER BY left(location, 6)) AS districts "
                    "FROM events WHERE location IS NOT NULL GROUP BY pid) e USING (pid)")
    clear = [decrypt(bytes(b), keys).split("\t", 1) for b in p.pop("pii_enc")]
    p["id_number"] = [c[0] for c in clear]
    p["name_raw"] = [c[1] if len(c) > 1 else "" for c in clear]
    p["id17"] = p["id_number"].str[:17]
    p["districts"] = [list(d) if isinstance(d, (list, tuple, np.ndarray)) else []
                      for d in p["districts"]]
    return p


def comparison_frame(df: pd.DataFrame, uid: pd.Series) -> pd.DataFrame:
    """The columns Splink compares, from a frame with name_raw, sex, birth, districts, id17."""
    norm = df["name_raw"].map(normalise)
    return pd.DataFrame({
        "unique_id": uid.astype(str).to_numpy(),
        "name": norm.replace("", None).to_numpy(),
        "name_py": norm.map(pinyin).replace("", None).to_numpy(),
        "surname_py": norm.str[:1].map(pinyin).replace("", None).to_numpy(),
        "sex": df["sex"].to_numpy(),
        "birth": df["birth"].replace("", None).to_numpy(),
        "birth_year": df["birth"].str[:4].replace("", None).to_numpy(),
        "districts": df["districts"].to_numpy(),
        "id17": df["id17"].to_numpy(),
    })
