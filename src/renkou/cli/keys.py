"""``renkou keys``: the keys protecting a store's identities (密钥管理)."""

from __future__ import annotations

from pathlib import Path
from typing import cast, get_args

import typer

from renkou.settings import CryptoAlgorithm

keys_app = typer.Typer(help="密钥：查看指纹与算法、轮换密钥。 A store's keys: show, rotate.",
                       no_args_is_help=True)

DB = typer.Option(..., "--db", help="DuckDB 数据库文件 / store file")
_ALGORITHMS: tuple[str, ...] = get_args(CryptoAlgorithm)


def _algorithm(value: str | None) -> str | None:
    if value is not None and value not in _ALGORITHMS:
        raise typer.BadParameter(f"应为 {' 或 '.join(_ALGORITHMS)}，而不是 {value}")
    return value


@keys_app.command("show")
def show(db: Path = DB) -> None:
    """显示库的密钥指纹、加密算法和密钥所在位置（从不显示密钥本身）。"""
    from renkou.app.keys import show_keys
    from renkou.settings import get_settings

    info = show_keys(db, get_settings())
    typer.echo(f"数据库：{info.store}")
    typer.echo(f"密钥指纹：{info.fingerprint or '尚未记录（库中尚无身份信息）'}")
    typer.echo(f"加密算法：{info.algorithm or '-'}（{info.algorithm_label}）")
    typer.echo(f"密钥来源：{info.source}")
    typer.echo(f"密钥文件：{info.key_file}（{'存在' if info.key_file_exists else '不存在'}）")
    if info.algorithm is not None and info.algorithm != info.settings_algorithm:
        typer.echo(f"注意：当前设置 crypto_algorithm={info.settings_algorithm} 与该库不符，"
                   f"使用该库前请设置 RENKOU_CRYPTO_ALGORITHM={info.algorithm}")


@keys_app.command("rotate")
def rotate(
    db: Path = DB,
    algorithm: str | None = typer.Option(
        None, "--algorithm", callback=_algorithm,
        help="新密钥的算法：aes-gcm 或 sm4-gcm（国密）；默认沿用库的算法"),
    out: Path | None = typer.Option(
        None, "--out", help="新密钥文件（默认替换当前密钥文件，旧文件改名保留）/ new key file"),
) -> None:
    """用新的随机密钥重新加密库中的身份信息和假名（一个事务；中断后库仍可用旧密钥读取）。"""
    from renkou.app.keys import rotate_keys
    from renkou.settings import get_settings

    result = rotate_keys(db, get_settings(), algorithm=cast(CryptoAlgorithm | None, algorithm),
                         out=out)
    typer.echo(f"已轮换 {result.persons} 人的身份信息和假名（{len(result.columns)} 列人员键），"
               f"用时 {result.seconds:.1f} 秒")
    typer.echo(f"算法：{result.old_algorithm} → {result.new_algorithm}")
    typer.echo(f"密钥指纹：{result.old_fingerprint} → {result.new_fingerprint}")
    typer.echo(f"新密钥文件：{result.key_file}（权限 0600）")
    for notice in result.notices:
        typer.echo(notice)


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
