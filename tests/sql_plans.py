"""What SQL a piece of code sends, and how PostgreSQL plans it: for tests that keep hot or frequent
statements on their indexes while the tables grow."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def sent_statements(bind) -> Iterator[list[tuple[str, object]]]:
    """The (statement, parameters) sent through `bind` (an engine or a connection) inside the block."""
    sent = []

    def record(_connection, _cursor, statement, parameters, _context, _executemany):
        sent.append((statement, parameters))

    event.listen(bind, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(bind, "before_cursor_execute", record)


def explain(connection, statement: str, parameters, *options: str) -> str:
    """PostgreSQL's plan for a statement as sent, one line a node; `options` such as "ANALYZE"."""
    how = f"({', '.join(options)}) " if options else ""
    return "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {how}{statement}", parameters))


def plans_without_seq_scans(connection, statements) -> dict[str, str]:
    """EXPLAIN of each SELECT, UPDATE and DELETE among `statements` with sequential scans priced out
    (for the rest of the transaction): a "Seq Scan" left in a plan means no index can serve it."""
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    return {
        statement: explain(connection, statement, parameters)
        for statement, parameters in statements
        if statement.lstrip().startswith(("SELECT", "UPDATE", "DELETE"))
    }


def copy_rows(connection, table: str, copies: int, **replaced: str) -> None:
    """`copies` more of each of the table's rows, each with an id of its own (and, by column, the SQL
    expressions in `replaced`, where `copy` is the copy's number), then ANALYZE: near-empty tables
    leave the planner's choice to chance."""
    columns = [
        row[0]
        for row in connection.exec_driver_sql(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,)
        )
    ]
    chosen = {"id": "gen_random_uuid()", **replaced}
    values = ", ".join(chosen.get(column, column) for column in columns)
    connection.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"SELECT {values} FROM {table}, generate_series(1, {copies}) AS copy"
    )
    connection.exec_driver_sql(f"ANALYZE {table}")
