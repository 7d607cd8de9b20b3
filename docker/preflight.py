"""The init service's first step: refuse to start the stack with a missing, placeholder or demo secret.

Run by docker/init.sh before anything touches the metadata DB (``python docker/preflight.py``). Reads
the environment (docker/.env, through the compose file's ``env_file``) and checks:

- the PostgreSQL password (``POSTGRES_PASSWORD``, the same as in ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN``),
- ``AIRFLOW__CORE__FERNET_KEY`` (a real Fernet key: empty means connections are stored unencrypted),
- ``AIRFLOW__API__SECRET_KEY``, ``AIRFLOW__API_AUTH__JWT_SECRET``, ``NEWINFRA_TEMPLATE_SECRET``,
- the users the init creates (docker/users.py): the Admin's always, the Op's and Viewer's when
  their user name is set; a password of 12 characters at least, not the user name,
- under the CeleryExecutor: ``REDIS_PASSWORD`` and the broker URL that carries it.

A value is refused when it is empty, too short, a documented placeholder (``change-me`` and its
spellings, the demo's template secret) or a well-known default (admin, airflow, password, ...).
Every problem is listed at once, in Chinese and English, naming the variable and docker/.env; the
exit code is then 2 and the stack does not start. docs/deploy.md ("The env file") describes it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

ENV_FILE = "docker/.env"
PLACEHOLDER_MARKS = ("change-me", "changeme", "change_me", "change me", "newinfra-demo-secret")
WELL_KNOWN = {
    "admin", "airflow", "password", "passw0rd", "secret", "postgres", "redis", "root", "test",
    "123456", "12345678", "123456789", "qwerty", "letmein", "default", "example", "newinfra",
}  # fmt: skip
SECRET_MIN = 16
PASSWORD_MIN = 12
ROLES = ("ADMIN", "OP", "VIEWER")  # AIRFLOW_<ROLE>_USERNAME / _PASSWORD (docker/users.py)
GENERATE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
GENERATE_FERNET = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


def weakness(value: str | None, minimum: int, username: str | None = None) -> tuple[str, str] | None:
    """Why ``value`` may not be used as a secret (zh, en), or None when it may."""
    text = (value or "").strip()
    low = text.lower()
    if not text:
        return "未设置", "not set"
    if any(mark in low for mark in PLACEHOLDER_MARKS):
        return f"仍是文档中的占位值（{text}）", f"still the documented placeholder ({text})"
    if low in WELL_KNOWN:
        return f"是众所周知的默认值（{text}）", f"a well-known default ({text})"
    if username and low == username.strip().lower():
        return "与用户名相同", "the same as the user name"
    if len(text) < minimum:
        return (
            f"太短（{len(text)} 个字符，至少 {minimum} 个）",
            f"too short ({len(text)} characters, at least {minimum})",
        )
    return None


def _fernet_problem(value: str | None) -> tuple[str, str] | None:
    reason = weakness(value, 1)
    if reason:
        return reason
    try:
        from cryptography.fernet import Fernet

        Fernet(value.strip().encode())
    except Exception:  # noqa: BLE001 - any failure means "not a Fernet key"
        return "不是有效的 Fernet 密钥", "not a valid Fernet key"
    return None


def problems(env: Mapping[str, str]) -> list[str]:
    """Every problem of the environment, one line each (zh / en)."""
    found: list[str] = []

    def add(name: str, reason: tuple[str, str] | None, how: str = GENERATE_SECRET) -> None:
        if reason:
            zh, en = reason
            found.append(
                f"{ENV_FILE} 中的 {name} {zh}，请改为新生成的值（{how}） / "
                f"{name} in {ENV_FILE}: {en}; set a freshly generated value ({how})"
            )

    pg_password = env.get("POSTGRES_PASSWORD")
    add("POSTGRES_PASSWORD", weakness(pg_password, PASSWORD_MIN))
    conn = env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "")
    if not conn:
        add("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", ("未设置", "not set"), "postgresql+psycopg2://…")
    elif conn.startswith("postgresql") and pg_password:
        in_url = unquote(urlsplit(conn).password or "")
        if in_url != pg_password:
            found.append(
                f"{ENV_FILE} 中 AIRFLOW__DATABASE__SQL_ALCHEMY_CONN 的密码与 POSTGRES_PASSWORD 不同 / "
                f"the password in AIRFLOW__DATABASE__SQL_ALCHEMY_CONN differs from POSTGRES_PASSWORD in {ENV_FILE}"
            )
    add("AIRFLOW__CORE__FERNET_KEY", _fernet_problem(env.get("AIRFLOW__CORE__FERNET_KEY")), GENERATE_FERNET)
    for name in ("AIRFLOW__API__SECRET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "NEWINFRA_TEMPLATE_SECRET"):
        add(name, weakness(env.get(name), SECRET_MIN))

    for role in ROLES:
        username = (env.get(f"AIRFLOW_{role}_USERNAME") or ("admin" if role == "ADMIN" else "")).strip()
        if not username:
            continue  # only the Admin is required; the Op and Viewer logins are optional
        add(
            f"AIRFLOW_{role}_PASSWORD",
            weakness(env.get(f"AIRFLOW_{role}_PASSWORD"), PASSWORD_MIN, username),
        )

    if env.get("AIRFLOW__CORE__EXECUTOR", "").strip().endswith("CeleryExecutor"):
        redis_password = env.get("REDIS_PASSWORD")
        add("REDIS_PASSWORD", weakness(redis_password, PASSWORD_MIN))
        broker = env.get("AIRFLOW__CELERY__BROKER_URL", "")
        if not broker:
            add("AIRFLOW__CELERY__BROKER_URL", ("未设置", "not set"), "redis://:REDIS_PASSWORD@redis:6379/0")
        elif redis_password and unquote(urlsplit(broker).password or "") != redis_password:
            found.append(
                f"{ENV_FILE} 中 AIRFLOW__CELERY__BROKER_URL 的密码与 REDIS_PASSWORD 不同 / "
                f"the password in AIRFLOW__CELERY__BROKER_URL differs from REDIS_PASSWORD in {ENV_FILE}"
            )
    return found


def main() -> int:
    found = problems(os.environ)
    if found:
        print(
            "拒绝启动：生产环境不能使用缺失、占位或演示用的密钥 / "
            "refusing to start: production cannot run with missing, placeholder or demo secrets",
            file=sys.stderr,
        )
        for line in found:
            print(f"  - {line}", file=sys.stderr)
        return 2
    print("secrets: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
