"""One uploaded file of a jurisdiction-wide table (the facility inventory, the function
zones): who may send it, and receiving it into a private folder beside the store (see
:mod:`renkou.api.routers._multipart`) for the length of the import."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from renkou.api.deps import User, forbid, require
from renkou.api.routers._jobs_common import runner_of
from renkou.api.routers._multipart import receive_files
from renkou.auth.roles import Role, Scope
from renkou.errors import InputError


async def _steward(user: Annotated[User, Depends(require(Scope.uploads))]) -> User:
    """Uploads of the whole jurisdiction's tables: a department account is bound to its own
    department's data, so it may not replace them."""
    if user.role is Role.department:
        raise forbid("部门账户只能上传本部门的数据；设施清单和功能区范围由规划、统计部门维护")
    return user


Steward = Annotated[User, Depends(_steward)]


@asynccontextmanager
async def one_file(request: Request, max_bytes: int, suffixes: tuple[str, ...],
                   what: str) -> AsyncIterator[tuple[str, Path]]:
    """The one file of field ``file`` (its original name and where it lies, under that
    name), removed with its folder at the end of the block."""
    runner = runner_of(request)
    _, folder = await run_in_threadpool(runner.reserve)
    try:
        received = await receive_files(request, folder, file_field="file",
                                       max_bytes=max_bytes)
        if len(received.files) != 1:
            raise InputError(f"一次只能导入一个{what}文件")
        name, part = received.files[0]
        if name.startswith(".") or not name.lower().endswith(suffixes):
            raise InputError(f"{what}应为 {' 或 '.join(suffixes)} 文件", file=name or None)
        path = part.with_name(Path(name).name)
        part.replace(path)
        try:
            yield name, path
        except InputError as exc:
            if exc.file != str(path):
                raise
            # The message names the file as sent, not the folder it was received into.
            raise InputError(exc.message, file=name, row=exc.row, column=exc.column) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
