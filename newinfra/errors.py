"""Errors people see carry a Chinese and an English message; the CLI prints both, never a traceback."""

from __future__ import annotations


class NewinfraError(Exception):
    """Base class: ``message_zh`` for people, ``message_en`` alongside for engineers."""

    exit_code = 2

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


class UserInputError(NewinfraError):
    """The user's mistake (a bad argument, an unknown department): exit code 2."""

    exit_code = 2


class PlatformError(NewinfraError):
    """The platform itself failed (lock timeout, missing warehouse, a tool that crashed): exit code 1."""

    exit_code = 1
