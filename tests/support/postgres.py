"""A throwaway PostgreSQL cluster made with initdb and started with pg_ctl.

initdb refuses to run as root, so as root the cluster belongs to the `postgres` system user.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.net import free_port


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))), None
    )
    if not found:
        raise RuntimeError(f"{name} not found: install PostgreSQL (scripts/test-deps.sh does)")
    return found


class PostgresCluster:
    def __init__(self, *, max_connections: int = 300, fsync: bool = False) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="shipbot-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.max_connections = max_connections
        self.fsync = fsync
        self._as_root = os.geteuid() == 0

    def _run(self, *command: str) -> None:
        if self._as_root:
            command = ("runuser", "-u", "postgres", "--", *command)
        subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self) -> PostgresCluster:
        os.chmod(self.root, 0o755)
        self.data.mkdir()
        if self._as_root:
            shutil.chown(self.data, "postgres", "postgres")
        self._run(
            _pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"
        )
        options = (
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 "
            f"-c max_connections={self.max_connections} -c fsync={'on' if self.fsync else 'off'}"
        )
        self._run(
            _pg_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.data / "log"),
            "-w",
            "start",
        )
        self._run(
            _pg_bin("psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-c",
            "CREATE DATABASE shipbot",
        )
        return self

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/shipbot"

    def reset_database(self) -> None:
        psql = (_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres")
        self._run(*psql, "-c", "DROP DATABASE IF EXISTS shipbot WITH (FORCE)")
        self._run(*psql, "-c", "CREATE DATABASE shipbot")

    def stop(self) -> None:
        try:
            self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
