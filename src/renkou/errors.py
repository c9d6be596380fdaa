"""Domain errors. They carry Chinese user-facing messages; the CLI and the API map them
to exit codes and HTTP status codes at the edges (and only there)."""

from __future__ import annotations


class RenkouError(Exception):
    """Base class of all domain errors. ``exit_code`` is what the CLI returns."""

    exit_code = 1
    http_status = 500

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"文件 {self.file}")
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.column:
            where.append(f"列 {self.column}")
        prefix = "，".join(where)
        return f"{prefix}：{self.message}" if prefix else self.message


class InputError(RenkouError):
    """Bad user input (file missing, wrong columns, values out of range)."""

    exit_code = 2
    http_status = 422


class NotInForceError(InputError):
    """A dated rule, norm or amount has no value in force on the date asked for: the date
    is the asker's, so it is bad input (422), not a broken configuration."""


class NotFoundError(RenkouError):
    """A named thing (plan, region, person, scheme) does not exist."""

    exit_code = 3
    http_status = 404


class ConfigError(RenkouError):
    """Settings are missing or unsafe (e.g. no encryption key outside development)."""

    exit_code = 4
    http_status = 500


class StoreError(RenkouError):
    """The data store cannot be read or written."""

    exit_code = 5
    http_status = 503
