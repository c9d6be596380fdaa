from pathlib import Path

import pandas as pd
import pytest

from renkou.errors import ConfigError, InputError
from renkou.logs import scrub
from renkou.settings import Settings
from renkou.tables import read_table, write_table


def test_read_gb18030_and_utf8(tmp_path: Path) -> None:
    text = "姓名,区\n张三,西青区\n"
    (tmp_path / "a.csv").write_bytes(text.encode("gb18030"))
    (tmp_path / "b.csv").write_text(text, encoding="utf-8")
    for name in ("a.csv", "b.csv"):
        df = read_table(tmp_path / name)
        assert list(df.columns) == ["姓名", "区"]
        assert df.iloc[0, 1] == "西青区"


def test_round_trip_xlsx_parquet(tmp_path: Path) -> None:
    df = pd.DataFrame({"region": ["120111"], "value": ["1"]})
    for suffix in (".xlsx", ".parquet", ".csv"):
        out = write_table(df, tmp_path / f"t{suffix}")
        back = read_table(out)
        assert back.to_dict("records") == [{"region": "120111", "value": "1"}]


def test_missing_file_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_table(tmp_path / "none.csv")
    assert "none.csv" in str(err.value)


def test_scrub_masks_ids() -> None:
    assert scrub("person 11010519491231002X moved") == "person 110105********002X moved"


def test_production_refuses_default_secrets() -> None:
    with pytest.raises(ConfigError):
        Settings(env="production").encryption_key_bytes()
    s = Settings(env="production", encryption_key="k" * 32, pseudonym_key="p" * 32)
    assert s.encryption_key_bytes() != Settings(env="development").encryption_key_bytes()


def test_settings_from_toml_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "renkou.toml").write_text('port = 9001\ndata_dir = "store"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RENKOU_DATA_DIR", raising=False)
    s = Settings()
    assert s.port == 9001 and s.database == Path("store") / "renkou.duckdb"
    monkeypatch.setenv("RENKOU_PORT", "9002")
    assert Settings().port == 9002  # the environment wins over the file


def test_log_lines_go_to_the_stderr_of_the_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Configured while a command's stderr was swapped for one that is closed afterwards,
    the log writes to the stderr in place when the record comes."""
    import io
    import logging

    from renkou.logs import configure_logging, get_logger

    root = logging.getLogger("renkou")
    monkeypatch.setattr(root, "handlers", [])
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stderr", first)
    configure_logging()
    first.close()
    monkeypatch.setattr("sys.stderr", second)
    get_logger("test").warning("身份证 120101199001011234")
    assert '"msg": "身份证 120101********1234"' in second.getvalue()


def test_a_key_file_appears_whole_or_not_at_all(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """While the secrets are written the key file's name does not exist yet (a process
    killed then leaves no half-written file that the next command would refuse); it
    appears complete, mode 0600, and is never overwritten."""
    import os
    import stat

    from renkou.settings import new_key_secrets, read_key_file, write_key_file

    path = tmp_path / "store.duckdb.keys"
    seen: list[bool] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        seen.append(path.exists())
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    values = new_key_secrets()
    write_key_file(path, values)
    assert seen == [False]
    assert read_key_file(path) == values
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no partial copy left
    with pytest.raises(ConfigError, match="已存在"):
        write_key_file(path, new_key_secrets())
    assert read_key_file(path) == values
