"""A PostgreSQL cluster of a test's own: initdb in a temporary folder, a free loopback port,
trust authentication, started and stopped with pg_ctl. The shared server of other test runs
is never touched, so a test may stop this one under a running site.

initdb refuses to run as root: as root, every command runs as the `postgres` user
(runuser), in a folder that user owns.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

POSTGRES_BIN = Path(os.environ.get("POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
COMMAND_TIMEOUT = 60
# pg_ctl's own wait for the server to start or stop, in seconds.
PG_CTL_WAIT = "30"


class PrivatePostgres:
    def __init__(self, port):
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="liaison-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self.running = False

    def url(self, database):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def run(self, *command):
        program = [str(POSTGRES_BIN / command[0]), *command[1:]]
        if self.as_root:
            program = ["runuser", "-u", "postgres", "--", *program]
        result = subprocess.run(
            program, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
        )
        assert result.returncode == 0, f"{command[0]} failed:\n{result.stdout}{result.stderr}"
        return result

    def init(self):
        assert (POSTGRES_BIN / "initdb").exists(), f"PostgreSQL's initdb not in {POSTGRES_BIN}"
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self):
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        self.run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-o", options,
                 "-w", "-t", PG_CTL_WAIT)  # fmt: skip
        self.running = True

    def stop(self):
        """As an operator's fast shutdown: open sessions are cut, nothing is waited for."""
        self.run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", PG_CTL_WAIT)
        self.running = False

    def create_database(self, name):
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def remove(self):
        """Stopped (immediately, if still running) and its folder deleted."""
        try:
            if self.running:
                self.run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
                self.running = False
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
