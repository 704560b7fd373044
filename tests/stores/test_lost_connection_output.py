"""A connection the server kills in the middle of a streamed replay ends in one clean line.

The fold reads keyset pages on one connection inside one read transaction (a streamed result
before); when MariaDB kills that connection halfway, closing or collecting the cursor used to print about thirty lines of "Exception ignored" tracebacks
after the inspector's own message.
"""

from __future__ import annotations

import os
import subprocess
import sys

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from .servers import scratch_database
from .test_server_contract import GENERIC_MYSQL_DDL

KILLER = '''
import pymysql
from inspector.replay import projector

done = []


@projector("wallet")
def wallet(state, event):
    if event.version == 10 and not done:
        done.append(True)
        conn = pymysql.connect(host={host!r}, port={port}, user={user!r}, password={password!r}, autocommit=True)
        with conn.cursor() as cursor:
            # the replay's connections to the store (a fold may be between two of its keyset pages)
            cursor.execute(
                "SELECT id FROM information_schema.processlist WHERE db = %s AND id <> CONNECTION_ID()",
                ({database!r},))
            for (pid,) in cursor.fetchall():
                cursor.execute("KILL %d" % pid)
        conn.close()
    state["seen"] = state.get("seen", 0) + 1
    return state
'''


def test_a_mariadb_connection_killed_during_replay_prints_one_clean_line(mysql_url, tmp_path):
    db = scratch_database(mysql_url, "killed")
    try:
        with db.writer.begin() as conn:
            for statement in GENERIC_MYSQL_DDL.split(";"):
                if statement.strip():
                    conn.exec_driver_sql(statement)
            pad = "x" * 4000  # rows the server is still sending when the connection is killed
            for start in range(1, 8001, 1000):
                conn.execute(
                    sa.text("INSERT INTO events (stream, version, type, data) VALUES (:s, :v, 'Granted', :d)"),
                    [{"s": "wallet-1", "v": v, "d": '{"amount": %d, "pad": "%s"}' % (v, pad)}
                     for v in range(start, start + 1000)],
                )
        url = make_url(db.url)
        killer = tmp_path / "killer.py"
        killer.write_text(KILLER.format(host=url.host or "127.0.0.1", port=url.port or 3306, user=url.username,
                                        password=url.password or "", database=url.database))
        run = subprocess.run(
            [sys.executable, "-m", "inspector.cli", "replay", db.url, "--stream", "wallet-1",
             "--projector", str(killer), "--no-cache"],
            capture_output=True, text=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=300,
        )
        lines = run.stderr.strip().splitlines()
        assert run.returncode == 1, run.stdout + run.stderr
        assert len(lines) == 1, run.stderr
        assert "lost" in lines[0] and "Traceback" not in run.stderr and "Exception ignored" not in run.stderr
    finally:
        db.drop()
