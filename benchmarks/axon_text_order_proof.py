"""What proving an Axon store's time text sorts as time costs (``AxonLayout._text_in_one_form``):
one pass over ``domain_event_entry`` stopping at the first row whose length or zone differs.

Usage: python benchmarks/axon_text_order_proof.py URL [ROWS]   (a PostgreSQL or MariaDB server URL)

Builds Axon's JPA table (Hibernate's DDL, ``time_stamp`` indexed) with ROWS events (1,000,000 by
default) all in formatInstant's one form, then, three times, on a fresh store: ``count(*)`` of the
table (the bare scan), the proof, and the time range after it. Prints seconds and proof/count.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inspector.stores import open_store  # noqa: E402
from tests.stores import test_axon as axon_tables  # noqa: E402
from tests.stores.servers import scratch_database  # noqa: E402


def main(url: str, rows: int) -> None:
    db = scratch_database(url, "axonproof")
    try:
        pg = db.writer.dialect.name == "postgresql"
        ddl = axon_tables.JPA_PG_DDL.split(";", 1)[1].replace(" oid", " bytea" if pg else " longblob")
        with db.writer.begin() as conn:
            axon_tables._ddl(conn, ddl)
            conn.exec_driver_sql("CREATE INDEX ix_time ON domain_event_entry (time_stamp)")
            columns = ("INSERT INTO domain_event_entry (global_index, aggregate_identifier, sequence_number, type, "
                       "event_identifier, payload, payload_type, time_stamp) ")
            if pg:
                conn.exec_driver_sql(
                    columns + "SELECT g, 'agg-' || (g/10), mod(g,10), 'T', md5(g::text), '\\x7b7d', 'com.E', "
                    "to_char(timestamp '2026-01-01' + g * interval '1 ms', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
                    f"FROM generate_series(1,{rows}) g")
            else:
                conn.exec_driver_sql(
                    columns + "SELECT seq, concat('agg-', seq div 10), mod(seq,10), 'T', md5(seq), '{}', 'com.E', "
                    "concat(date_format(timestamp('2026-01-01') + interval seq*1000 microsecond, "
                    "'%%Y-%%m-%%dT%%H:%%i:%%s.'), lpad(mod(seq,1000),3,'0'), 'Z') "
                    f"FROM seq_1_to_{rows}")
        for _ in range(3):
            store = open_store(db.url)
            with store.engine.connect() as conn:
                started = time.perf_counter()
                conn.exec_driver_sql("SELECT count(*) FROM domain_event_entry").scalar()
                bare = time.perf_counter() - started
            started = time.perf_counter()
            proven = store.layout._text_in_one_form()
            proof = time.perf_counter() - started
            started = time.perf_counter()
            store.time_range()
            after = time.perf_counter() - started
            print(f"{db.writer.dialect.name} {rows} rows: proven {proven}, count(*) {bare:.3f} s, "
                  f"proof {proof:.3f} s ({proof / bare:.1f}x), time range after it {after:.3f} s")
            store.close()
    finally:
        db.drop()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000)
