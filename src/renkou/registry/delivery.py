"""What a delivery may hold (交付检查), checked before anything is read or written.

A batch is all or nothing: a file that cannot be read, a header lacking a declared column or
carrying an undeclared one (a renamed column would otherwise be dropped silently), a symlink
or a special file refuses the whole batch, with every problem listed by file and column.
Limits (:class:`renkou.settings.Settings`) bound what one file may cost before it is read."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from renkou.errors import InputError
from renkou.registry.feeds import FEED_SUFFIXES, FeedSchema, feed_of
from renkou.settings import Settings

_TRUTH = "truth"  # the synthetic generator's answers, never a feed


@dataclass(frozen=True)
class Entry:
    """One table file under a delivery directory (not followed if a symlink)."""

    path: Path
    feed: str | None


def delivery_entries(directory: Path) -> tuple[list[Entry], list[str]]:
    """Every table file under ``directory`` outside ``truth/`` (symlinked folders are not
    entered), and the problems of entries that are no regular file."""
    entries: list[Entry] = []
    problems: list[str] = []
    for root, dirs, names in os.walk(directory, followlinks=False):
        here = Path(root)
        rel = here.relative_to(directory).parts
        if _TRUTH in rel:
            continue
        for d in sorted(dirs):
            if (here / d).is_symlink():
                problems.append(f"{here / d}：是符号链接，拒绝读取")
        dirs[:] = sorted(d for d in dirs if d != _TRUTH and not (here / d).is_symlink())
        for name in sorted(names):
            p = here / name
            if p.suffix.lower() not in FEED_SUFFIXES:
                continue
            try:
                mode = p.lstat().st_mode
            except OSError as exc:
                problems.append(f"{p.name}：无法读取（{exc.strerror}）")
                continue
            if stat.S_ISLNK(mode):
                problems.append(f"{p.name}：是符号链接，拒绝读取（请交付文件本身）")
            elif not stat.S_ISREG(mode):
                problems.append(f"{p.name}：不是普通文件，拒绝读取")
            else:
                entries.append(Entry(p, feed_of(p)))
    return entries, problems


def size_problems(paths: list[Path], settings: Settings) -> list[str]:
    """Files larger than ``settings.max_file_mb``."""
    limit = settings.max_file_mb << 20
    return [f"{p.name}：文件大小 {p.stat().st_size >> 20} MB 超过上限 {settings.max_file_mb} MB"
            "（RENKOU_MAX_FILE_MB）" for p in paths if p.stat().st_size > limit]


def header_problems(schema: FeedSchema, file_name: str, headers: list[str]) -> list[str]:
    """Declared columns the file lacks and columns it carries that the feed does not
    declare (each named)."""
    declared = list(schema.headers)
    have = set(headers)
    out = [f"{file_name}：缺少列“{h}”" for h in declared if h not in have]
    out += [f"{file_name}：多出未声明的列“{h}”（接口 {schema.key} 未声明；列名是否被改动？）"
            for h in headers if h not in schema.headers]
    return out


def refuse(directory: Path, problems: list[str]) -> InputError:
    """The error refusing a batch, listing every problem."""
    listed = "\n".join(f"  {p}" for p in problems)
    return InputError(f"本批次未导入（全部或全不）：{len(problems)} 个问题\n{listed}",
                      file=str(directory))
