"""What `newinfra` checks before any command runs, and how it ends when its reader goes away.

- **Demo secrets.** Outside a demo home (one `make demo` made: it holds ``.newinfra-demo-home``), a
  command refuses to start while ``NEWINFRA_TEMPLATE_SECRET`` is unset, a documented placeholder
  (change-me, the demo's value) or too short: with such a key anyone can sign a template in any
  department's name. ``demo-data`` (synthetic files) and ``where`` (paths) are exempt. docs/deploy.md
  and the README's settings table say how to set the key.
- **Pipes and signals.** A closed pipe (``newinfra ingest | head -1``) ends the command with exit code
  141 and Ctrl-C with 130, quietly; whatever was committed stays, and a re-run finishes the work
  (docs/operations.md).
"""

from __future__ import annotations

import os
import sys

from newinfra.errors import NewinfraError
from newinfra.settings import Settings
from pipeline.demo import DEMO_MARKER

SECRET_ENV = "NEWINFRA_TEMPLATE_SECRET"
PLACEHOLDER_MARKS = ("change-me", "changeme", "change_me", "change me", "newinfra-demo-secret", "placeholder")
SECRET_MIN = 16
EXEMPT_COMMANDS = frozenset({"demo-data", "where"})
EXIT_SIGPIPE = 141  # 128 + SIGPIPE, as a shell reports a command killed by a closed pipe
EXIT_SIGINT = 130  # 128 + SIGINT


class DemoSecretRefused(NewinfraError):
    exit_code = 2


def is_demo_home(settings: Settings) -> bool:
    return (settings.home / DEMO_MARKER).is_file()


def secret_problem(value: str | None) -> tuple[str, str] | None:
    """Why ``value`` may not sign templates outside the demo (zh, en), or None."""
    text = (value or "").strip()
    if not text:
        return "未设置", "is not set"
    low = text.lower()
    if any(mark in low for mark in PLACEHOLDER_MARKS):
        return (
            f"仍是文档中的占位值或演示值（{text}）",
            f"is still the documented placeholder or demo value ({text})",
        )
    if len(text) < SECRET_MIN:
        return (
            f"太短（{len(text)} 个字符，至少 {SECRET_MIN} 个）",
            f"is too short ({len(text)} characters, at least {SECRET_MIN})",
        )
    return None


def check_secrets(command: str | None, settings: Settings, environ=os.environ) -> None:
    """Raise :class:`DemoSecretRefused` when ``command`` may not run with this environment's secret."""
    if command in EXEMPT_COMMANDS or is_demo_home(settings):
        return
    problem = secret_problem(environ.get(SECRET_ENV))
    if problem is None:
        return
    zh, en = problem
    how = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
    raise DemoSecretRefused(
        f"拒绝运行：{SECRET_ENV} {zh}。数据目录 {settings.home} 不是演示目录，生产环境必须使用自己的密钥"
        f"（生成：{how}），否则任何人都能以任一单位的名义签发填报模板",
        f"refusing to run: {SECRET_ENV} {en}. The data home {settings.home} is not a demo home; production "
        f"needs its own key (generate one: {how}), else anyone can sign a template in any department's name",
    )


def quiet_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush does not fail on a closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (pytest's capture)
        pass


def say_interrupted() -> None:
    try:
        print("已中断；已提交的内容保留，重新运行即可继续 / interrupted; committed work is kept, run again to finish",
              file=sys.stderr)  # fmt: skip
    except (OSError, ValueError):
        pass
