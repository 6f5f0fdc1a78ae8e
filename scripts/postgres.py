#!/usr/bin/env python3
"""A throwaway PostgreSQL cluster for the test suite (standard library only).

Usage::

    python3 scripts/postgres.py start --dir DIR   # prints the DSN (also written to DIR/dsn)
    python3 scripts/postgres.py stop --dir DIR    # stops it; rm -r DIR afterwards

``start`` creates a cluster in ``DIR/data`` with ``initdb`` (run as the ``postgres`` OS
user when this runs as root, since PostgreSQL refuses to run as root, and ``DIR`` is
handed to that user), lets anyone on loopback and the socket in without a password,
listens on 127.0.0.1 only, on a free port, with its unix socket in ``DIR``, starts it
with ``pg_ctl -w``, creates the database ``payments_test`` and prints::

    postgresql://postgres@127.0.0.1:PORT/payments_test

on stdout, the only thing written there (progress goes to stderr), so that
``dsn=$(python3 scripts/postgres.py start --dir "$dir")`` works. The server logs to
``DIR/postgres.log``. Durability is off (``fsync``, ``synchronous_commit`` and
``full_page_writes``): the data is thrown away. ``start`` on a directory whose
cluster runs already prints its DSN again; on a stopped one starts it on a new port.

The programs come from ``--bindir``, else ``pg_config --bindir``, else the highest
``/usr/lib/postgresql/*/bin`` (Debian and Ubuntu), else ``initdb`` on ``PATH``. On
Debian, ``apt-get install postgresql`` provides them (``.ci/run`` does that).
"""

from __future__ import annotations

import argparse
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

DATABASE = "payments_test"
SUPERUSER = "postgres"
HOST = "127.0.0.1"
OS_USER = "postgres"
"""Who owns and runs the cluster when this script runs as root."""
MAX_CONNECTIONS = 300
"""Enough for many test processes, each with a connection pool."""
START_TIMEOUT = 60
SOCKET_PATH_MAX = 107
"""The longest unix socket path Linux takes (``sun_path`` holds 108 bytes with the NUL)."""
PORT_ATTEMPTS = 5
CONF_NAME = "payments_test.conf"
HBA = """\
# scripts/postgres.py: a throwaway test cluster. Trust on the socket and on loopback only.
local all all trust
host  all all 127.0.0.1/32 trust
"""


class Failure(Exception):
    """Something the user has to fix; ``main`` prints it without a traceback."""


@dataclass(frozen=True)
class Owner:
    """The OS user the server programs run as (``None`` fields: this process's user)."""

    uid: int | None = None
    gid: int | None = None
    name: str = ""


@dataclass(frozen=True)
class Cluster:
    dir: Path
    bindir: Path

    @property
    def data(self) -> Path:
        return self.dir / "data"

    @property
    def log(self) -> Path:
        return self.dir / "postgres.log"

    @property
    def dsn_file(self) -> Path:
        return self.dir / "dsn"

    def program(self, name: str) -> Path:
        path = self.bindir / name
        if not path.exists():
            raise Failure(f"{path} is missing: the PostgreSQL installation is incomplete")
        return path

    def initialized(self) -> bool:
        return (self.data / "PG_VERSION").exists()


def _say(message: str) -> None:
    print(f"postgres.py: {message}", file=sys.stderr, flush=True)


# -- finding PostgreSQL ---------------------------------------------------------------------


def _has_server(bindir: Path) -> bool:
    return all((bindir / name).exists() for name in ("initdb", "pg_ctl", "postgres"))


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name))


def find_bindir(explicit: str | None) -> Path:
    """Where ``initdb``, ``pg_ctl`` and ``postgres`` are (see the module docstring)."""
    if explicit:
        bindir = Path(explicit)
        if not _has_server(bindir):
            raise Failure(f"--bindir {bindir} holds no initdb, pg_ctl and postgres")
        return bindir
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False, timeout=30
        )
        if found.returncode == 0 and found.stdout.strip():
            candidates.append(Path(found.stdout.strip()))
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    candidates += debian
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)  # through symlinks to the real bindir
    for bindir in candidates:
        if _has_server(bindir):
            return bindir
    raise Failure(
        "PostgreSQL's server programs (initdb, pg_ctl, postgres) are not installed: looked in "
        "`pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH. Install them (Debian or "
        "Ubuntu: apt-get install postgresql, which .ci/run does when they are missing) or "
        "pass --bindir."
    )


# -- running the server programs --------------------------------------------------------------


def _owner_for(cluster: Cluster) -> Owner:
    """The OS user to run the server programs as: this one, unless it is root."""
    if os.geteuid() != 0:
        return Owner()
    if cluster.initialized():
        entry = pwd.getpwuid(cluster.data.stat().st_uid)
    else:
        try:
            entry = pwd.getpwnam(OS_USER)
        except KeyError:
            raise Failure(
                f"running as root, and there is no {OS_USER!r} OS user to run PostgreSQL as "
                "(it refuses to run as root); Debian's postgresql package creates it, or run "
                "this script as an ordinary user"
            ) from None
    if entry.pw_uid == 0:
        raise Failure(f"{cluster.data} belongs to root; PostgreSQL refuses to run as root")
    return Owner(entry.pw_uid, entry.pw_gid, entry.pw_name)


def _env() -> dict[str, str]:
    """This environment without libpq's variables (PGHOST, PGPORT, PGDATA, ...), in C locale."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


def _run(
    args: list[str | Path], owner: Owner, cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run a program as ``owner``, its output captured (stdout is the DSN's alone)."""
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        user=owner.uid,
        group=owner.gid,
        extra_groups=None if owner.uid is None else [],
    )


def _check(done: subprocess.CompletedProcess[str], what: str, cluster: Cluster) -> None:
    if done.returncode == 0:
        return
    output = (done.stdout + done.stderr).strip()
    raise Failure(f"{what} failed (exit {done.returncode}):\n{output}{_log_tail(cluster)}")


def _log_tail(cluster: Cluster, lines: int = 30) -> str:
    if not cluster.log.exists():
        return ""
    tail = cluster.log.read_text(errors="replace").splitlines()[-lines:]
    return f"\n-- the end of {cluster.log}:\n" + "\n".join(tail)


def _write(path: Path, text: str, owner: Owner) -> None:
    path.write_text(text)
    if owner.uid is not None and owner.gid is not None:
        os.chown(path, owner.uid, owner.gid)


# -- start ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _conf_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _settings(cluster: Cluster, port: int) -> str:
    socket_path = f"{cluster.dir}/.s.PGSQL.{port}"
    if len(socket_path.encode()) <= SOCKET_PATH_MAX:
        sockets = str(cluster.dir)
    else:
        _say(f"{cluster.dir} is too long a path for a unix socket; TCP on {HOST} only")
        sockets = ""
    return "\n".join(
        [
            "# scripts/postgres.py: a throwaway test cluster (included from postgresql.conf)",
            f"listen_addresses = {_conf_string(HOST)}",
            f"port = {port}",
            f"unix_socket_directories = {_conf_string(sockets)}",
            f"max_connections = {MAX_CONNECTIONS}",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "timezone = 'UTC'",
            "",
        ]
    )


def _prepare_dir(cluster: Cluster, owner: Owner) -> None:
    """Make ``DIR`` exist and be the owner's; fail early if the owner cannot reach it."""
    cluster.dir.mkdir(parents=True, exist_ok=True)
    if owner.uid is None or owner.gid is None:
        return
    os.chown(cluster.dir, owner.uid, owner.gid)
    reachable = _run(
        ["/bin/sh", "-c", 'test -w "$1" && test -x "$1"', "sh", cluster.dir],
        owner,
        cwd=Path("/"),
    )
    if reachable.returncode != 0:
        raise Failure(
            f"the {owner.name!r} user cannot reach {cluster.dir} (a parent directory is closed "
            "to it); use a directory under /tmp, e.g. one from `mktemp -d`"
        )


def _initdb(cluster: Cluster, owner: Owner) -> None:
    _say(f"creating a cluster in {cluster.data} with {cluster.bindir}/initdb")
    done = _run(
        [
            cluster.program("initdb"),
            "--pgdata",
            cluster.data,
            "--username",
            SUPERUSER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",
        ],
        owner,
        cwd=cluster.dir,
    )
    _check(done, "initdb", cluster)
    _write(cluster.data / "pg_hba.conf", HBA, owner)
    with (cluster.data / "postgresql.conf").open("a") as conf:
        conf.write(f"\ninclude {_conf_string(CONF_NAME)}\n")


def _running(cluster: Cluster, owner: Owner) -> bool:
    status = _run([cluster.program("pg_ctl"), "status", "-D", cluster.data], owner, cluster.dir)
    return status.returncode == 0


def _start_server(cluster: Cluster, owner: Owner) -> int:
    """Start the server on a free port (another if that one is taken meanwhile); the port."""
    for _attempt in range(PORT_ATTEMPTS):
        port = _free_port()
        _write(cluster.data / CONF_NAME, _settings(cluster, port), owner)
        log_size = cluster.log.stat().st_size if cluster.log.exists() else 0
        done = _run(
            [
                cluster.program("pg_ctl"),
                "start",
                "-D",
                cluster.data,
                "-l",
                cluster.log,
                "-w",
                "-t",
                str(START_TIMEOUT),
            ],
            owner,
            cwd=cluster.dir,
            timeout=START_TIMEOUT + 30,
        )
        if done.returncode == 0:
            return port
        if not cluster.log.exists():
            _check(done, "pg_ctl start", cluster)
        with cluster.log.open(errors="replace") as log:
            log.seek(log_size)
            if "already in use" not in log.read():
                _check(done, "pg_ctl start", cluster)
        _say(f"port {port} was taken meanwhile; trying another")
    raise Failure(f"no free port after {PORT_ATTEMPTS} attempts{_log_tail(cluster)}")


def _create_database(cluster: Cluster, port: int) -> None:
    """``createdb``, a client: it runs as this process's user (root is fine for a client)."""
    done = _run(
        [cluster.program("createdb"), "-h", HOST, "-p", str(port), "-U", SUPERUSER, DATABASE],
        Owner(),
        cwd=cluster.dir,
    )
    _check(done, f"createdb {DATABASE}", cluster)


def start(cluster: Cluster) -> str:
    """Make the cluster in ``cluster.dir`` run; its DSN."""
    owner = _owner_for(cluster)
    if cluster.initialized() and _running(cluster, owner):
        if not cluster.dsn_file.exists():
            raise Failure(f"the cluster in {cluster.data} runs, but {cluster.dsn_file} is gone")
        _say(f"the cluster in {cluster.data} runs already")
        return cluster.dsn_file.read_text().strip()
    fresh = not cluster.initialized()
    if fresh:
        if cluster.data.exists() and any(cluster.data.iterdir()):
            raise Failure(f"{cluster.data} exists and holds no cluster; choose an empty --dir")
        _prepare_dir(cluster, owner)
        _initdb(cluster, owner)
    port = _start_server(cluster, owner)
    if fresh:
        _create_database(cluster, port)
    dsn = f"postgresql://{SUPERUSER}@{HOST}:{port}/{DATABASE}"
    cluster.dsn_file.write_text(dsn + "\n")
    _say(f"PostgreSQL runs on {HOST}:{port} (log: {cluster.log})")
    return dsn


# -- stop -------------------------------------------------------------------------------------


def stop(cluster: Cluster) -> None:
    if not cluster.initialized():
        _say(f"no cluster in {cluster.dir}; nothing to stop")
        return
    owner = _owner_for(cluster)
    if not _running(cluster, owner):
        _say(f"the cluster in {cluster.data} is not running")
        return
    pg_ctl = cluster.program("pg_ctl")
    done = _run(
        [pg_ctl, "stop", "-D", cluster.data, "-m", "fast", "-w", "-t", "30"],
        owner,
        cluster.dir,
        timeout=60,
    )
    if done.returncode != 0:
        _say("a fast shutdown did not finish; shutting down immediately")
        done = _run(
            [pg_ctl, "stop", "-D", cluster.data, "-m", "immediate", "-w", "-t", "30"],
            owner,
            cluster.dir,
            timeout=60,
        )
        _check(done, "pg_ctl stop", cluster)
    cluster.dsn_file.unlink(missing_ok=True)
    _say(f"stopped the cluster in {cluster.data}")


# -- command line -----------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="postgres.py",
        description="A throwaway PostgreSQL cluster on loopback for the test suite.",
    )
    parser.add_argument("command", choices=["start", "stop"])
    parser.add_argument("--dir", required=True, help="the cluster's directory (made if missing)")
    parser.add_argument("--bindir", help="where initdb and pg_ctl are (found if not given)")
    args = parser.parse_args(argv)
    try:
        cluster = Cluster(Path(args.dir).resolve(), find_bindir(args.bindir))
        if args.command == "start":
            print(start(cluster), flush=True)
        else:
            stop(cluster)
    except Failure as failure:
        print(f"postgres.py: error: {failure}", file=sys.stderr)
        return 1
    except subprocess.TimeoutExpired as timeout:
        print(f"postgres.py: error: {timeout}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
