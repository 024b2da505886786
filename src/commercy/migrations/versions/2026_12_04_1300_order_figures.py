"""order figures

Revision ID: 5d1c7a9e3b20
Revises: 5d7a2c9e4b13
Create Date: 2026-12-04 13:00:00

The order figures of the stats and the dashboard, kept up to date by the database itself
(see commercy.stats.models): triggers on ``orders`` and ``order_items`` follow every write,
whoever makes it (the services, bulk statements, raw SQL), then the tables are filled from the
orders.

- ``order_figures`` follows the orders alone. On PostgreSQL its trigger is a constraint
  trigger deferred to the commit, so the row every order of a supplier's hour adds to is
  locked only while committing, not for the whole transaction of a create.
- ``order_product_figures`` needs an order and its lines together. Their triggers run as each
  row is written (they read the other table as it is then) and write the change to
  ``order_product_figure_changes``; that table's trigger applies it and deletes it, on
  PostgreSQL deferred to the commit for the same reason. An order counts once per product
  however many lines of it it has: a line counts the order only when no other line of the
  order has its product (PostgreSQL: BEFORE triggers, which see the statement's earlier rows
  and not its later ones, as SQLite's row triggers do).

On SQLite a later migration that copies ``orders`` or ``order_items`` (Alembic's batch
"move and copy") drops their triggers with the old table: it must create them again.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from commercy.stats.summary import bucket_sql, rebuild_statements

revision: str = "5d1c7a9e3b20"
down_revision: str | None = "5d7a2c9e4b13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUM = sa.Numeric(18, 3)
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
#: On PostgreSQL the keys' indexes carry the counts (index-only scans of a period).
COUNTS = ["orders", "amount"]


def _create_tables() -> None:
    def key() -> list[sa.Column[Any]]:
        return [
            sa.Column("id", ID, nullable=False),
            sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
            sa.Column("supplier_id", sa.Integer(), nullable=False),
            sa.Column("reseller_id", sa.Integer(), nullable=False),
        ]

    op.create_table(
        "order_figures",
        *key(),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("amount", SUM, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_figures")),
    )
    figures_key = ["reseller_id", "bucket", "supplier_id", "status", "source"]
    op.create_index(
        "uq_order_figures_key",
        "order_figures",
        [*figures_key, "city"],
        unique=True,
        postgresql_include=COUNTS,
    )
    op.create_index(
        "uq_order_figures_key_without_city",
        "order_figures",
        figures_key,
        unique=True,
        postgresql_include=COUNTS,
        sqlite_where=sa.text("city IS NULL"),
        postgresql_where=sa.text("city IS NULL"),
    )
    for table in ("order_product_figures", "order_product_figure_changes"):
        op.create_table(
            table,
            *key(),
            *([sa.Column("sign", sa.SmallInteger(), nullable=False)] if "changes" in table else []),
            sa.Column("product_id", sa.Integer(), nullable=False),
            sa.Column("status", sa.String(length=24), nullable=False),
            sa.Column("orders", sa.Integer(), nullable=False),
            sa.Column("lines", sa.Integer(), nullable=False),
            sa.Column("amount", SUM, nullable=False),
            sa.Column("name", sa.String(length=200), nullable="changes" not in table),
            sa.Column("named", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        )
    op.create_index(
        "uq_order_product_figures_key",
        "order_product_figures",
        ["reseller_id", "bucket", "supplier_id", "product_id", "status"],
        unique=True,
        postgresql_include=[*COUNTS, "name"],
    )


#: What moves an order's figures: its hour, scope, status, source, city or total.
ORDER_KEY = ("created_at", "supplier_id", "reseller_id", "status", "source", "customer_city")
ORDER_FIGURES_COLUMNS = (*ORDER_KEY, "total")
#: What moves its lines' figures.
ORDER_LINES_KEY = ("created_at", "supplier_id", "reseller_id", "status")
LINE_COLUMNS = ("order_id", "product_id", "quantity", "unit_price", "product_name")
CHANGE_COLUMNS = (
    "sign, bucket, supplier_id, reseller_id, product_id, status, orders, lines, amount, name, named"
)
SCOPES = ("NEW.reseller_id", "0")


def _changed(columns: Sequence[str], *, distinct: str) -> str:
    return " OR ".join(f"OLD.{column} {distinct} NEW.{column}" for column in columns)


def _order_lines_change(dialect: str, sign: int, row: str) -> str:
    """The change of every product of order ``row`` (OLD or NEW), from its lines now."""
    bucket = bucket_sql(dialect, f"{row}.created_at")
    return f"""
        INSERT INTO order_product_figure_changes ({CHANGE_COLUMNS})
        SELECT {sign}, {bucket}, {row}.supplier_id, {row}.reseller_id, g.product_id,
            {row}.status, 1, g.lines, g.amount, g.name,
            (SELECT count(*) FROM order_items x WHERE x.order_id = {row}.id
                AND x.product_id = g.product_id AND x.product_name = g.name)
        FROM (
            SELECT product_id, count(*) AS lines, sum(unit_price * quantity) AS amount,
                max(product_name) AS name
            FROM order_items WHERE order_id = {row}.id GROUP BY product_id
        ) g"""


def _line_change(dialect: str, sign: int, row: str) -> str:
    """The change of line ``row``: its amount, and its order unless another line of the order
    has its product."""
    bucket = bucket_sql(dialect, "o.created_at")
    return f"""
        INSERT INTO order_product_figure_changes ({CHANGE_COLUMNS})
        SELECT {sign}, {bucket}, o.supplier_id, o.reseller_id, {row}.product_id, o.status,
            CASE WHEN EXISTS (SELECT 1 FROM order_items x WHERE x.order_id = {row}.order_id
                AND x.product_id = {row}.product_id AND x.id <> {row}.id) THEN 0 ELSE 1 END,
            1, {row}.unit_price * {row}.quantity, {row}.product_name, 1
        FROM orders o WHERE o.id = {row}.order_id"""


def _lines_of(dialect: str, scope: str) -> str:
    """The lines a row of order_product_figures (keyed by the change NEW) sums."""
    end = (
        "NEW.bucket + interval '1 hour'"
        if dialect == "postgresql"
        else "strftime('%Y-%m-%d %H:%M:%S.000000', NEW.bucket, '+1 hour')"
    )
    reseller = "" if scope == "0" else f"AND o.reseller_id = {scope}"
    return f"""FROM order_items i JOIN orders o ON o.id = i.order_id
        WHERE o.supplier_id = NEW.supplier_id {reseller} AND o.status = NEW.status
            AND i.product_id = NEW.product_id AND o.created_at >= NEW.bucket
            AND o.created_at < {end}"""


# --- SQLite: row triggers run as each row is written ----------------------------------------


def _sqlite_order_figures(row: str, sign: int) -> list[str]:
    statements = []
    for scope in (f"{row}.reseller_id", "0"):
        bucket = bucket_sql("sqlite", f"{row}.created_at")
        key = (
            f"reseller_id = {scope} AND bucket = {bucket} AND supplier_id = {row}.supplier_id "
            f"AND status = {row}.status AND source = {row}.source AND city IS {row}.customer_city"
        )
        if sign > 0:
            statements.append(
                "INSERT INTO order_figures (bucket, supplier_id, reseller_id, status, source, "
                f"city, orders, amount) SELECT {bucket}, {row}.supplier_id, {scope}, "
                f"{row}.status, {row}.source, {row}.customer_city, 0, 0 "
                f"WHERE NOT EXISTS (SELECT 1 FROM order_figures WHERE {key})"
            )
        statements.append(
            f"UPDATE order_figures SET orders = orders + {sign}, "
            f"amount = amount + {sign} * {row}.total WHERE {key}"
        )
        if sign < 0:
            statements.append(f"DELETE FROM order_figures WHERE {key} AND orders <= 0")
    return statements


def _sqlite_apply_change() -> list[str]:
    statements = []
    for scope in SCOPES:
        key = (
            f"reseller_id = {scope} AND bucket = NEW.bucket AND supplier_id = NEW.supplier_id "
            "AND product_id = NEW.product_id AND status = NEW.status"
        )
        lines = _lines_of("sqlite", scope)
        statements += [
            "INSERT INTO order_product_figures (bucket, supplier_id, reseller_id, product_id, "
            "status, orders, lines, amount, name, named) SELECT NEW.bucket, NEW.supplier_id, "
            f"{scope}, NEW.product_id, NEW.status, 0, 0, 0, NEW.name, 0 WHERE NEW.sign = 1 "
            f"AND NOT EXISTS (SELECT 1 FROM order_product_figures WHERE {key})",
            f"""UPDATE order_product_figures SET orders = orders + NEW.sign * NEW.orders,
                lines = lines + NEW.sign * NEW.lines, amount = amount + NEW.sign * NEW.amount,
                name = CASE WHEN NEW.sign = 1 THEN
                    CASE WHEN name IS NULL THEN NULL WHEN NEW.name > name THEN NEW.name
                    ELSE name END
                  ELSE CASE WHEN name = NEW.name AND named - NEW.named <= 0 THEN NULL
                    ELSE name END END,
                named = CASE WHEN NEW.sign = 1 THEN
                    CASE WHEN name IS NULL THEN 0 WHEN NEW.name > name THEN NEW.named
                    WHEN NEW.name = name THEN named + NEW.named ELSE named END
                  ELSE CASE WHEN name = NEW.name THEN named - NEW.named ELSE named END END
            WHERE {key}""",
            f"DELETE FROM order_product_figures WHERE {key} AND lines <= 0",
            # The lines of the greatest name are gone and others stay (a product renamed
            # between two orders of one hour): the name is found again from the lines.
            f"""UPDATE order_product_figures SET name = (SELECT max(i.product_name) {lines})
            WHERE {key} AND name IS NULL""",
            f"""UPDATE order_product_figures SET named = (SELECT count(*) {lines}
                AND i.product_name = order_product_figures.name)
            WHERE {key} AND named <= 0""",
        ]
    return [*statements, "DELETE FROM order_product_figure_changes WHERE id = NEW.id"]


def _sqlite_trigger(name: str, event: str, table: str, body: list[str], when: str = "") -> str:
    condition = f" WHEN {when}" if when else ""
    statements = "".join(f"{statement};\n" for statement in body)
    return f"CREATE TRIGGER {name} {event} ON {table}{condition} BEGIN\n{statements}END"


def _sqlite_triggers() -> list[str]:
    order_moved = _changed(ORDER_FIGURES_COLUMNS, distinct="IS NOT")
    lines_moved = _changed(ORDER_LINES_KEY, distinct="IS NOT")
    line_changed = _changed(LINE_COLUMNS, distinct="IS NOT")
    return [
        _sqlite_trigger(
            "order_figures_insert", "AFTER INSERT", "orders", _sqlite_order_figures("NEW", 1)
        ),
        _sqlite_trigger(
            "order_figures_update",
            f"AFTER UPDATE OF {', '.join(ORDER_FIGURES_COLUMNS)}",
            "orders",
            [*_sqlite_order_figures("OLD", -1), *_sqlite_order_figures("NEW", 1)],
            when=order_moved,
        ),
        _sqlite_trigger(
            "order_figures_delete", "AFTER DELETE", "orders", _sqlite_order_figures("OLD", -1)
        ),
        _sqlite_trigger(
            "order_product_figures_order_update",
            f"AFTER UPDATE OF {', '.join(ORDER_LINES_KEY)}",
            "orders",
            [_order_lines_change("sqlite", -1, "OLD"), _order_lines_change("sqlite", 1, "NEW")],
            when=lines_moved,
        ),
        # Before the delete cascades to the lines (whose own triggers then find no order).
        _sqlite_trigger(
            "order_product_figures_order_delete",
            "BEFORE DELETE",
            "orders",
            [_order_lines_change("sqlite", -1, "OLD")],
        ),
        _sqlite_trigger(
            "order_product_figures_line_insert",
            "AFTER INSERT",
            "order_items",
            [_line_change("sqlite", 1, "NEW")],
        ),
        _sqlite_trigger(
            "order_product_figures_line_update",
            f"AFTER UPDATE OF {', '.join(LINE_COLUMNS)}",
            "order_items",
            [_line_change("sqlite", -1, "OLD"), _line_change("sqlite", 1, "NEW")],
            when=line_changed,
        ),
        _sqlite_trigger(
            "order_product_figures_line_delete",
            "AFTER DELETE",
            "order_items",
            [_line_change("sqlite", -1, "OLD")],
        ),
        _sqlite_trigger(
            "order_product_figure_changes_apply",
            "AFTER INSERT",
            "order_product_figure_changes",
            _sqlite_apply_change(),
        ),
    ]


# --- PostgreSQL: plpgsql functions; what locks a shared row deferred to the commit ----------

POSTGRES_FUNCTIONS = [
    """
CREATE FUNCTION order_figures_add(
    p_bucket timestamptz, p_supplier_id integer, p_reseller_id integer, p_status varchar,
    p_source varchar, p_city varchar, p_sign integer, p_total numeric
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_scope integer;
    v_id bigint;
    v_orders integer;
BEGIN
    FOREACH v_scope IN ARRAY ARRAY[p_reseller_id, 0] LOOP
        IF p_sign > 0 AND p_city IS NULL THEN
            INSERT INTO order_figures AS f
                (bucket, supplier_id, reseller_id, status, source, city, orders, amount)
            VALUES (p_bucket, p_supplier_id, v_scope, p_status, p_source, NULL, 1, p_total)
            ON CONFLICT (reseller_id, bucket, supplier_id, status, source) WHERE city IS NULL
            DO UPDATE SET orders = f.orders + 1, amount = f.amount + excluded.amount;
        ELSIF p_sign > 0 THEN
            INSERT INTO order_figures AS f
                (bucket, supplier_id, reseller_id, status, source, city, orders, amount)
            VALUES (p_bucket, p_supplier_id, v_scope, p_status, p_source, p_city, 1, p_total)
            ON CONFLICT (reseller_id, bucket, supplier_id, status, source, city)
            DO UPDATE SET orders = f.orders + 1, amount = f.amount + excluded.amount;
        ELSE
            IF p_city IS NULL THEN
                UPDATE order_figures f SET orders = f.orders - 1, amount = f.amount - p_total
                WHERE f.reseller_id = v_scope AND f.bucket = p_bucket
                    AND f.supplier_id = p_supplier_id AND f.status = p_status
                    AND f.source = p_source AND f.city IS NULL
                RETURNING f.id, f.orders INTO v_id, v_orders;
            ELSE
                UPDATE order_figures f SET orders = f.orders - 1, amount = f.amount - p_total
                WHERE f.reseller_id = v_scope AND f.bucket = p_bucket
                    AND f.supplier_id = p_supplier_id AND f.status = p_status
                    AND f.source = p_source AND f.city = p_city
                RETURNING f.id, f.orders INTO v_id, v_orders;
            END IF;
            IF v_orders <= 0 THEN
                DELETE FROM order_figures WHERE id = v_id;
            END IF;
        END IF;
    END LOOP;
END
$$""",
    """
CREATE FUNCTION order_figures_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM order_figures_add(
            date_trunc('hour', OLD.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
            OLD.supplier_id, OLD.reseller_id, OLD.status, OLD.source, OLD.customer_city, -1,
            OLD.total);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM order_figures_add(
            date_trunc('hour', NEW.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
            NEW.supplier_id, NEW.reseller_id, NEW.status, NEW.source, NEW.customer_city, 1,
            NEW.total);
    END IF;
    RETURN NULL;
END
$$""",
    f"""
CREATE FUNCTION order_product_figures_track_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_order_lines_change("postgresql", -1, "OLD")};
    IF TG_OP = 'UPDATE' THEN
        {_order_lines_change("postgresql", 1, "NEW")};
        RETURN NULL;
    END IF;
    RETURN OLD;
END
$$""",
    f"""
CREATE FUNCTION order_product_figures_track_line() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {_line_change("postgresql", -1, "OLD")};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {_line_change("postgresql", 1, "NEW")};
        RETURN NEW;
    END IF;
    RETURN OLD;
END
$$""",
    f"""
CREATE FUNCTION order_product_figures_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_scope integer;
    v_id bigint;
    v_lines integer;
    v_name varchar;
BEGIN
    FOREACH v_scope IN ARRAY ARRAY[NEW.reseller_id, 0] LOOP
        IF NEW.sign > 0 THEN
            INSERT INTO order_product_figures AS f (bucket, supplier_id, reseller_id,
                product_id, status, orders, lines, amount, name, named)
            VALUES (NEW.bucket, NEW.supplier_id, v_scope, NEW.product_id, NEW.status,
                NEW.orders, NEW.lines, NEW.amount, NEW.name, NEW.named)
            ON CONFLICT (reseller_id, bucket, supplier_id, product_id, status)
            DO UPDATE SET orders = f.orders + excluded.orders,
                lines = f.lines + excluded.lines, amount = f.amount + excluded.amount,
                name = CASE WHEN f.name IS NULL THEN NULL
                    WHEN excluded.name > f.name THEN excluded.name ELSE f.name END,
                named = CASE WHEN f.name IS NULL THEN 0
                    WHEN excluded.name > f.name THEN excluded.named
                    WHEN excluded.name = f.name THEN f.named + excluded.named
                    ELSE f.named END;
            CONTINUE;
        END IF;
        UPDATE order_product_figures f SET orders = f.orders - NEW.orders,
            lines = f.lines - NEW.lines, amount = f.amount - NEW.amount,
            name = CASE WHEN f.name = NEW.name AND f.named - NEW.named <= 0 THEN NULL
                ELSE f.name END,
            named = CASE WHEN f.name = NEW.name THEN f.named - NEW.named ELSE f.named END
        WHERE f.reseller_id = v_scope AND f.bucket = NEW.bucket
            AND f.supplier_id = NEW.supplier_id AND f.product_id = NEW.product_id
            AND f.status = NEW.status
        RETURNING f.id, f.lines, f.name INTO v_id, v_lines, v_name;
        IF v_lines <= 0 THEN
            DELETE FROM order_product_figures WHERE id = v_id;
        ELSIF v_name IS NULL AND v_id IS NOT NULL THEN
            -- The lines of the greatest name are gone and others stay (a product renamed
            -- between two orders of one hour): the name is found again from the lines.
            IF v_scope = 0 THEN
                SELECT max(i.product_name) INTO v_name {_lines_of("postgresql", "0")};
                UPDATE order_product_figures SET name = v_name,
                    named = (SELECT count(*) {_lines_of("postgresql", "0")}
                        AND i.product_name = v_name)
                WHERE id = v_id;
            ELSE
                SELECT max(i.product_name) INTO v_name {_lines_of("postgresql", "v_scope")};
                UPDATE order_product_figures SET name = v_name,
                    named = (SELECT count(*) {_lines_of("postgresql", "v_scope")}
                        AND i.product_name = v_name)
                WHERE id = v_id;
            END IF;
        END IF;
    END LOOP;
    DELETE FROM order_product_figure_changes WHERE id = NEW.id;
    RETURN NULL;
END
$$""",
]


def _postgres_triggers() -> list[str]:
    order_moved = _changed(ORDER_FIGURES_COLUMNS, distinct="IS DISTINCT FROM")
    lines_moved = _changed(ORDER_LINES_KEY, distinct="IS DISTINCT FROM")
    line_changed = _changed(LINE_COLUMNS, distinct="IS DISTINCT FROM")
    deferred = "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
    return [
        f"""CREATE CONSTRAINT TRIGGER order_figures_insert AFTER INSERT ON orders {deferred}
            EXECUTE FUNCTION order_figures_track()""",
        f"""CREATE CONSTRAINT TRIGGER order_figures_update
            AFTER UPDATE OF {", ".join(ORDER_FIGURES_COLUMNS)} ON orders {deferred}
            WHEN ({order_moved}) EXECUTE FUNCTION order_figures_track()""",
        f"""CREATE CONSTRAINT TRIGGER order_figures_delete AFTER DELETE ON orders {deferred}
            EXECUTE FUNCTION order_figures_track()""",
        f"""CREATE TRIGGER order_product_figures_order_update
            AFTER UPDATE OF {", ".join(ORDER_LINES_KEY)} ON orders FOR EACH ROW
            WHEN ({lines_moved}) EXECUTE FUNCTION order_product_figures_track_order()""",
        # Before the delete cascades to the lines (whose own triggers then find no order).
        """CREATE TRIGGER order_product_figures_order_delete BEFORE DELETE ON orders
            FOR EACH ROW EXECUTE FUNCTION order_product_figures_track_order()""",
        """CREATE TRIGGER order_product_figures_line_write BEFORE INSERT OR DELETE
            ON order_items FOR EACH ROW EXECUTE FUNCTION order_product_figures_track_line()""",
        f"""CREATE TRIGGER order_product_figures_line_update
            BEFORE UPDATE OF {", ".join(LINE_COLUMNS)} ON order_items FOR EACH ROW
            WHEN ({line_changed}) EXECUTE FUNCTION order_product_figures_track_line()""",
        f"""CREATE CONSTRAINT TRIGGER order_product_figure_changes_apply
            AFTER INSERT ON order_product_figure_changes {deferred}
            EXECUTE FUNCTION order_product_figures_apply()""",
    ]


def _execute(statement: str) -> None:
    # Driver SQL: the SQLite hour format's colons are no bound parameters.
    op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _create_tables()
    if dialect == "postgresql":
        for statement in [*POSTGRES_FUNCTIONS, *_postgres_triggers()]:
            _execute(statement)
    else:
        for statement in _sqlite_triggers():
            _execute(statement)
    for statement in rebuild_statements(dialect):
        _execute(statement)


TRIGGERS = {
    "orders": (
        "order_figures_insert",
        "order_figures_update",
        "order_figures_delete",
        "order_product_figures_order_update",
        "order_product_figures_order_delete",
    ),
    "order_items": (
        "order_product_figures_line_write",
        "order_product_figures_line_insert",
        "order_product_figures_line_update",
        "order_product_figures_line_delete",
    ),
}


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, triggers in TRIGGERS.items():
        for trigger in triggers:
            _execute(f"DROP TRIGGER IF EXISTS {trigger}" + (f" ON {table}" if postgres else ""))
    for table in ("order_product_figure_changes", "order_product_figures", "order_figures"):
        op.drop_table(table)
    if postgres:
        for function in (
            "order_figures_track()",
            "order_figures_add(timestamptz, integer, integer, varchar, varchar, varchar,"
            " integer, numeric)",
            "order_product_figures_track_order()",
            "order_product_figures_track_line()",
            "order_product_figures_apply()",
        ):
            _execute(f"DROP FUNCTION {function}")
