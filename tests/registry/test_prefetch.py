"""Files hashed and converted ahead of the ingest: same results, bounded, never stuck."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from renkou.registry.loader import file_hash, load_raw
from renkou.registry.prefetch import Prefetch
from renkou.registry.store import Scratch


def _files(tmp_path: Path, n: int) -> list[Path]:
    paths = []
    for i in range(n):
        p = tmp_path / f"edu_school_{i}.csv"
        p.write_bytes(f"记录编号,姓名\nR{i},张{i}\n".encode("gb18030"))
        paths.append(p)
    x = tmp_path / "edu_school_x.xlsx"
    pd.DataFrame({"记录编号": ["X1"], "姓名": ["李四"]}).to_excel(x, index=False)
    return [*paths, x]


def test_prepared_files_load_like_the_originals_with_one_slot(tmp_path: Path) -> None:
    paths = _files(tmp_path, 5)
    work = tmp_path / "work"
    with Scratch() as s, Prefetch(paths, work, ahead=1) as ahead:
        for i, p in enumerate(paths):
            assert ahead.digest(p) == file_hash(p)
            prepared = ahead.take(p)
            assert prepared is not None
            try:
                load_raw(s, p, f"a{i}", work, prepared)
            finally:
                ahead.done(prepared)
            load_raw(s, p, f"b{i}", work)
            assert s.rows(f"SELECT * FROM a{i}") == s.rows(f"SELECT * FROM b{i}")
        assert s.rows("SELECT * FROM a2") == [("R2", "张2")]
        assert s.rows("SELECT * FROM a5") == [("X1", "李四")]


def test_skipped_files_free_their_slot_and_close_never_waits_forever(tmp_path: Path) -> None:
    paths = _files(tmp_path, 4)
    with Prefetch(paths, tmp_path / "work", ahead=1) as ahead:
        ahead.skip(paths[0])
        ahead.skip(paths[1])
        assert ahead.take(paths[2]) is not None
        # paths[2] is never given back and paths[3] waits for its slot: close() must not hang.
    assert not any(p.name.endswith(".utf8.csv") for p in tmp_path.rglob("*"))
