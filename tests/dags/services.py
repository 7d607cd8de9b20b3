"""Private PostgreSQL and Redis servers for the slow tests (the production stack's metadata DB and
Celery broker), from Debian's ``postgresql`` and ``redis-server`` (``make system-deps``).

Each server runs as a child of the test on a free port on 127.0.0.1 with its data and socket under a
fresh temporary folder, and is stopped by its pid at the end. Where a server cannot start (the
package is missing, no unprivileged user to run PostgreSQL as root), :class:`Unavailable` says why
and the fixtures skip the test with that reason. Every wait polls with a deadline.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_S = 60


class Unavailable(Exception):
    """The server cannot run here; the message is the reason a test is skipped."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, check, timeout: float = START_TIMEOUT_S, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
    raise Unavailable(f"{what} did not come up within {timeout:.0f} s\n{tail}")


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    """True while the process runs (a zombie, exited but not yet reaped by its parent, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _stop_pid(pid: int, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    """Stop one process by its pid: ``sig``, then SIGKILL after ``timeout``."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.2)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# --- PostgreSQL ------------------------------------------------------------------------------------


def _pg_bin(name: str) -> str:
    """A PostgreSQL server binary: on PATH, else Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True):
        return candidate
    raise Unavailable(f"PostgreSQL's {name} not found (Debian package postgresql: make system-deps)")


def _pg_user() -> str | None:
    """PostgreSQL refuses to run as root: then run it as Debian's `postgres` user (or nobody)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise Unavailable("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as")


@dataclass
class Postgres:
    port: int
    socket_dir: Path
    user: str
    password: str
    database: str
    pid: int

    @property
    def url(self) -> str:
        """The SQLAlchemy URL, in the shape of docker/airflow.env.example's."""
        return f"postgresql+psycopg2://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.database}"

    def connect(self):
        import psycopg2

        return psycopg2.connect(
            host="127.0.0.1", port=self.port, user=self.user, password=self.password, dbname=self.database
        )

    def query(self, sql: str, *params) -> list[tuple]:
        con = self.connect()
        try:
            with con.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        finally:
            con.close()


@contextmanager
def postgres(user: str = "airflow", database: str = "airflow") -> Iterator[Postgres]:
    """A fresh PostgreSQL cluster (password auth, scram-sha-256) on a free port; stopped by pid."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    os_user = _pg_user()
    root = Path(tempfile.mkdtemp(prefix="newinfra-pg-"))
    data, sock, log = root / "data", root / "sock", root / "postgres.log"
    sock.mkdir()
    password = secrets.token_urlsafe(16)
    (root / "pw").write_text(password + "\n")
    if os_user:
        info = pwd.getpwnam(os_user)
        for path in (root, sock, root / "pw"):
            os.chown(path, info.pw_uid, info.pw_gid)
    pid = None
    try:
        run = dict(capture_output=True, text=True, timeout=120, user=os_user, cwd=root)
        proc = subprocess.run(
            [initdb, "-D", str(data), "-U", user, "--auth=scram-sha-256", f"--pwfile={root / 'pw'}",
             "-E", "UTF8", "--no-locale"],
            **run,
        )  # fmt: skip
        if proc.returncode != 0:
            raise Unavailable(f"initdb failed: {proc.stderr.strip()[-1000:]}")
        port = free_port()
        options = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        proc = subprocess.run(
            [pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", str(START_TIMEOUT_S), "start"],
            **run,
        )  # fmt: skip
        pidfile = data / "postmaster.pid"
        if pidfile.exists():
            pid = int(pidfile.read_text().split()[0])
        if proc.returncode != 0:
            raise Unavailable(f"PostgreSQL did not start: {proc.stderr.strip()[-500:]}\n{_read(log)}")
        server = Postgres(port, sock, user, password, "postgres", pid)
        _wait("PostgreSQL", lambda: _port_open(port), log=log)
        con = server.connect()
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f'create database "{database}"')
        con.close()
        server.database = database
        yield server
    finally:
        if pid:
            _stop_pid(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown
        shutil.rmtree(root, ignore_errors=True)


def _read(path: Path) -> str:
    return path.read_text(errors="replace")[-2000:] if path.exists() else ""


# --- Redis -----------------------------------------------------------------------------------------


@dataclass
class Redis:
    port: int
    password: str
    pid: int

    @property
    def url(self) -> str:
        """The broker URL, in the shape of docker/airflow.env.example's."""
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"


@contextmanager
def redis() -> Iterator[Redis]:
    """A Redis server on a free port with a password (as the compose file's), no persistence;
    stopped by pid."""
    server = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )
    if not server:
        raise Unavailable("redis-server not found (Debian package redis-server: make system-deps)")
    root = Path(tempfile.mkdtemp(prefix="newinfra-redis-"))
    log = root / "redis.log"
    port = free_port()
    password = secrets.token_urlsafe(16)
    (root / "redis.conf").write_text(f"requirepass {password}\n")  # not on the command line
    with log.open("w") as out:
        proc = subprocess.Popen(
            [server, str(root / "redis.conf"), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(root)],
            stdout=out, stderr=subprocess.STDOUT, cwd=root,
        )  # fmt: skip
    try:
        _wait("Redis", lambda: _port_open(port) or proc.poll() is not None, log=log)
        if proc.poll() is not None:
            raise Unavailable(f"redis-server exited ({proc.returncode}):\n{_read(log)}")
        yield Redis(port, password, proc.pid)
    finally:
        if proc.poll() is None:
            _stop_pid(proc.pid)
        proc.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)
