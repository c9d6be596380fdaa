"""``renkou ids``: citizen identity numbers (公民身份号码) — check, upgrade, mask."""

from __future__ import annotations

import json

import typer

# renkou.ids (numpy) and the gazetteer load inside the commands: start-up time.
ids_app = typer.Typer(help="公民身份号码校验与转换 / citizen ID numbers (GB 11643-1999)",
                      no_args_is_help=True)


@ids_app.command("check")
def check(
    number: str = typer.Argument(..., help="18位（或15位）身份证号码 / 18- or 15-digit number"),
    as_json: bool = typer.Option(False, "--json", help="以JSON输出 / print JSON"),
) -> None:
    """校验号码并显示解析结果；无效时以非零状态退出。 Validate a number; exit 1 when invalid,
    2 when 15 characters are not a 15-digit number."""
    from renkou import ids as idnum
    from renkou.regions import gazetteer

    n = number.strip()
    upgraded = None
    if len(n) == 15:  # not 15 digits: IdNumberError (an InputError, exit 2)
        upgraded = idnum.upgrade15(n)
        n = upgraded
    verdict = idnum.validate(n)
    result: dict[str, object] = {"number": idnum.mask(verdict.number), "valid": verdict.valid}
    if upgraded:
        result["upgraded_from_15"] = True
    if verdict.valid:
        info = idnum.parse(n)
        region = gazetteer().regions.get(info.division_code)
        result.update(
            division_code=info.division_code,
            province=gazetteer().provinces.get(info.division_code[:2], ""),
            division_name=region.name if region else "",
            birth_date=info.birth_date.isoformat(),
            sex=info.sex,
            check_character=info.check,
        )
    else:
        result.update(reason=str(verdict.problem), detail=verdict.detail)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    elif verdict.valid:
        typer.echo(f"有效 valid：{result['number']}")
        typer.echo(f"  行政区划 division：{result['division_code']} {result['province']}"
                   f"{result['division_name']}")
        typer.echo(f"  出生日期 birth date：{result['birth_date']}")
        typer.echo(f"  性别 sex：{'男' if result['sex'] == 'male' else '女'} ({result['sex']})")
        typer.echo(f"  校验码 check character：{result['check_character']}")
    else:
        typer.echo(f"无效 invalid：{result['number']}")
        typer.echo(f"  原因 reason：{verdict.problem} — {verdict.detail}")
    if not verdict.valid:
        raise typer.Exit(1)


@ids_app.command("upgrade")
def upgrade(number: str = typer.Argument(..., help="15位号码 / 15-digit number")) -> None:
    """把15位旧号码升级为18位。 Upgrade a 15-digit number to 18 digits."""
    from renkou import ids as idnum

    try:
        typer.echo(idnum.upgrade15(number))
    except ValueError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(2) from None


@ids_app.command("mask")
def mask(number: str = typer.Argument(...)) -> None:
    """显示脱敏号码。 Print the masked display form."""
    from renkou import ids as idnum

    typer.echo(idnum.mask(number))


def register(app: typer.Typer) -> None:
    app.add_typer(ids_app, name="ids")
