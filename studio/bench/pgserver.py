"""A throwaway PostgreSQL server from the system's package (Debian: ``postgresql``).

``initdb`` + ``pg_ctl`` into a fresh temp directory, listening on one loopback port
(no Unix socket), trust authentication for loopback only, durability off (a test or
bench cluster is thrown away). PostgreSQL refuses to run as root, so as root the
cluster belongs to an unprivileged user (``nobody`` unless told otherwise) and the
directory is made directly under the system temp folder, where that user can reach it.
Used by the backend tests (a fresh database per test or module) and ``studio bench
--backend-load``.
"""

from __future__ import annotations

import contextlib
import glob
import grp
import logging
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any

from studio.ports import free_port

log = logging.getLogger(__name__)

SUPERUSER = "studio"


def bindir() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps it off PATH)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def available() -> bool:
    return bindir() is not None


class PgServer:
    """One running cluster; :meth:`new_database` gives a fresh, empty database URL."""

    def __init__(self, *, user: str | None = None, max_connections: int = 300) -> None:
        bin_ = bindir()
        if bin_ is None:
            raise RuntimeError(
                "PostgreSQL is not installed (initdb not found); on Debian: apt install postgresql"
            )
        self.bin = bin_
        self.port = free_port()
        self.max_connections = max_connections
        self.run_as: dict[str, Any] = {}
        owner = None
        if os.geteuid() == 0:  # initdb and postgres refuse root
            name = user or "nobody"
            pw = pwd.getpwnam(name)
            owner = (pw.pw_uid, pw.pw_gid)
            self.run_as = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
            log.debug("PostgreSQL runs as %s (group %s)", name, grp.getgrgid(pw.pw_gid).gr_name)
        self.root = Path(tempfile.mkdtemp(prefix="studio-pg-", dir=tempfile.gettempdir()))
        if owner:
            os.chown(self.root, *owner)
        self.data = self.root / "data"
        self.logfile = self.root / "server.log"
        self._started = False

    @property
    def url(self) -> str:
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{name}"

    def _run(self, *cmd: str, timeout: float = 120) -> None:
        env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "TZ": "UTC"}
        r = subprocess.run(
            list(cmd),
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **self.run_as,
        )
        if r.returncode != 0:
            tail = self.logfile.read_text(errors="replace")[-2000:] if self.logfile.exists() else ""
            raise RuntimeError(f"{Path(cmd[0]).name} failed: {r.stdout}{r.stderr}{tail}")

    def start(self) -> PgServer:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        opts = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories='' "
            f"-c max_connections={self.max_connections} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c shared_buffers=64MB -c log_min_messages=warning"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.logfile),
            "-o",
            opts,
            "-w",
            "-t",
            "60",
            "start",
        )
        self._started = True
        log.info("PostgreSQL %s on 127.0.0.1:%d", self.bin.parent.name, self.port)
        return self

    def new_database(self, prefix: str = "t") -> str:
        """A fresh empty database; returns its URL."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.database_url(name)

    def stop(self) -> None:
        if self._started:
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
            self._started = False
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PgServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
