"""Rebuilding the order figures (:mod:`commercy.stats.models`) from the orders: the migration
fills them this way, and so does a bulk load that ran without the triggers (PostgreSQL's
``session_replication_role = replica``, as bench/dataset.py loads)."""

from __future__ import annotations

from sqlalchemy import Connection

from commercy.stats.models import EVERY_RESELLER

#: The tables of the order figures.
TABLES = ("order_figures", "order_product_figures", "order_product_figure_changes")


def bucket_sql(dialect: str, column: str) -> str:
    """``column`` (an instant) truncated to its UTC hour, as the triggers and the columns
    store it (SQLite: the text SQLAlchemy writes, ``YYYY-MM-DD HH:00:00.000000``)."""
    if dialect == "postgresql":
        return f"(date_trunc('hour', {column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
    return f"strftime('%Y-%m-%d %H:00:00.000000', {column})"


def _order_figures(dialect: str, *, reseller: str) -> str:
    bucket = bucket_sql(dialect, "o.created_at")
    # A constant in GROUP BY would be read as a column's position.
    by_reseller = "" if reseller == str(EVERY_RESELLER) else f", {reseller}"
    return f"""
        INSERT INTO order_figures
            (bucket, supplier_id, reseller_id, status, source, city, orders, amount)
        SELECT {bucket}, o.supplier_id, {reseller}, o.status, o.source, o.customer_city,
            count(*), sum(o.total)
        FROM orders o
        GROUP BY {bucket}, o.supplier_id, o.status, o.source, o.customer_city{by_reseller}
    """


def _product_figures(dialect: str, *, reseller: str) -> str:
    bucket = bucket_sql(dialect, "o.created_at")
    key = "b, s, r, st, p"
    return f"""
        INSERT INTO order_product_figures
            (bucket, supplier_id, reseller_id, status, product_id, orders, lines, amount,
             name, named)
        SELECT {key}, count(DISTINCT order_id), count(*), sum(amount), max(name),
            sum(CASE WHEN name = top THEN 1 ELSE 0 END)
        FROM (
            SELECT line.*, max(name) OVER (PARTITION BY {key}) AS top
            FROM (
                SELECT {bucket} AS b, o.supplier_id AS s, {reseller} AS r, o.status AS st,
                    i.product_id AS p, i.order_id, i.unit_price * i.quantity AS amount,
                    i.product_name AS name
                FROM order_items i JOIN orders o ON o.id = i.order_id
            ) line
        ) ranked
        GROUP BY {key}
    """


def rebuild_statements(dialect: str) -> list[str]:
    """Empty the figures, then count every order again (in the caller's transaction)."""
    scopes = ("o.reseller_id", str(EVERY_RESELLER))
    return [
        "DELETE FROM order_product_figure_changes",
        "DELETE FROM order_figures",
        "DELETE FROM order_product_figures",
        *(_order_figures(dialect, reseller=reseller) for reseller in scopes),
        *(_product_figures(dialect, reseller=reseller) for reseller in scopes),
    ]


def rebuild(connection: Connection) -> None:
    for statement in rebuild_statements(connection.dialect.name):
        # Driver SQL: the SQLite hour format's colons are no bound parameters.
        connection.exec_driver_sql(statement)
