"""The DuckDB side of the matching benchmark: the same rules as one set of SQL statements.

Equivalent to finrpa's rules on this data set: line matching by line reference, else article
ID, else description and price; order found, open, supplier, currency; price variance (percent
or amount per line), VAT, totals, duplicates (exact, and near-identical numbers with the same
gross and date, with ``levenshtein``); cumulative quantities against ordered and received with
window sums. Only matched invoices count towards later ones, so the quantity step is iterated
(on the order lines where the batch could exceed a limit at all) until no invoice changes
status: each round settles at least one more invoice in arrival order.
"""

from __future__ import annotations

from time import perf_counter

import duckdb
import numpy as np

from matching_bench_data import BenchData, override_supplier

THREADS = 2
KEY = "replace(upper(trim({0})), '-', '')"
NUMBER = "upper(trim({0}))"
NORMAL = "ltrim(regexp_replace(upper(trim({0})), '[^A-Z0-9]', '', 'g'), '0')"
TEXT = "nullif(lower(regexp_replace(trim({0}), '\\s+', ' ', 'g')), '')"

SETUP = f"""
CREATE TEMP TABLE tol AS SELECT * FROM (VALUES
    (NULL, 20000, 200000, 500, 1000000, TRUE),
    ('{override_supplier().replace("-", "")}', 50000, 200000, 500, 1100000, TRUE))
    t(supplier_key, price_pct, price_amt, total_amt, qty_factor, check_receipts);
CREATE TEMP TABLE rec AS SELECT po, line, sum(quantity) AS received FROM receipts GROUP BY ALL;
CREATE TEMP TABLE ord AS SELECT o.*, coalesce(r.received, 0) AS received,
    lower(trim(o.unit)) IN ('h', 'hur') AS service
    FROM orders o LEFT JOIN rec r USING (po, line);
CREATE TEMP TABLE po_info AS SELECT po, arg_min({KEY.format("supplier")}, line) AS supplier_key,
    arg_min(upper(trim(currency)), line) AS currency, bool_and(closed) AS all_closed
    FROM orders GROUP BY po;
"""

HEADERS = f"""
CREATE TEMP TABLE inv_x AS
SELECT i.k, i.po, i.credit, i.content, p.po IS NOT NULL AS found, coalesce(p.all_closed, FALSE)
    AS all_closed,
    (i.po IS NULL OR i.po = '') AS no_ref,
    p.po IS NOT NULL AND {KEY.format("i.seller")} IS DISTINCT FROM p.supplier_key AS wrong_seller,
    p.po IS NOT NULL AND upper(trim(i.currency)) <> p.currency AS wrong_currency,
    coalesce(t.price_pct, d.price_pct) AS price_pct, coalesce(t.price_amt, d.price_amt)
    AS price_amt, coalesce(t.total_amt, d.total_amt) AS total_amt,
    coalesce(t.qty_factor, d.qty_factor) AS qty_factor,
    coalesce(t.check_receipts, d.check_receipts) AS check_receipts,
    i.gross, i.net, i.vat, i.lines_net
FROM inv i LEFT JOIN po_info p ON p.po = i.po
LEFT JOIN tol t ON t.supplier_key = coalesce(p.supplier_key, {KEY.format("i.seller")})
CROSS JOIN (SELECT * FROM tol WHERE supplier_key IS NULL) d;
"""

LINES = f"""
CREATE TEMP TABLE unreferenced AS
SELECT l.j, x.po, {TEXT.format("l.article")} AS article_key, {TEXT.format("l.name")} AS name_key,
    l.unit_price FROM lines l JOIN inv_x x USING (k) WHERE l.line_ref = -2 AND x.found;
CREATE TEMP TABLE candidates AS
SELECT u.j, o.line, {TEXT.format("o.item_code")} = u.article_key AS by_article,
    o.unit_price = u.unit_price AND {TEXT.format("o.description")} = u.name_key AS by_name
FROM unreferenced u JOIN (SELECT * FROM orders WHERE po IN (SELECT po FROM unreferenced)) o
    ON o.po = u.po;
CREATE TEMP TABLE fallback AS
SELECT j, coalesce(min(line) FILTER (WHERE by_article), min(line) FILTER (WHERE by_name))
    AS mline FROM candidates GROUP BY j;
CREATE TEMP TABLE lm AS
SELECT l.j, l.k, l.quantity AS q, l.unit_price, l.vat_rate, x.found, x.credit, x.all_closed,
    x.price_pct, x.price_amt, x.qty_factor, x.check_receipts, o.po, o.line AS mline,
    o.quantity AS ordered, o.unit_price AS order_price, o.vat_rate AS order_vat, o.closed,
    o.received, o.service
FROM lines l JOIN inv_x x USING (k)
LEFT JOIN fallback f USING (j)
LEFT JOIN ord o ON o.po = x.po AND x.found
    AND o.line = CASE WHEN l.line_ref >= 0 THEN l.line_ref ELSE f.mline END;
CREATE TEMP TABLE line_bad AS
SELECT k, bool_or(
    (found AND mline IS NULL)
    OR q IS NULL OR unit_price IS NULL
    OR (mline IS NOT NULL AND closed AND NOT all_closed)
    OR (mline IS NOT NULL AND vat_rate IS DISTINCT FROM order_vat)
    OR (mline IS NOT NULL AND NOT credit AND unit_price > order_price AND (
        (unit_price - order_price)::HUGEINT * 1000000 > price_pct::HUGEINT * order_price
        OR (unit_price - order_price)::HUGEINT * abs(q) > price_amt::HUGEINT * 1000000))
) AS bad FROM lm GROUP BY k;
"""

TOTALS_AND_DUPLICATES = f"""
CREATE TEMP TABLE total_bad AS
SELECT x.k, (count(l.net_amount) > 0 AND coalesce(x.lines_net, x.net) IS NOT NULL
        AND abs(sum(l.net_amount) - coalesce(x.lines_net, x.net)) > x.total_amt)
    OR (x.net IS NOT NULL AND x.vat IS NOT NULL AND abs(x.net + x.vat - x.gross) > x.total_amt)
    OR (count(l.vat_amount) = count(*) AND count(*) > 0 AND x.vat IS NOT NULL
        AND abs(sum(l.vat_amount) - x.vat) > x.total_amt) AS bad
FROM inv_x x LEFT JOIN lines l USING (k) GROUP BY x.k, x.lines_net, x.net, x.vat, x.gross,
    x.total_amt;
CREATE TEMP TABLE entries AS
SELECT pos, {KEY.format("seller")} AS seller_key, credit, {NUMBER.format("number")} AS nkey,
    {NORMAL.format("number")} AS norm, gross, invoice_date FROM (
    SELECT row_number() OVER () - 1 - (SELECT count(*) FROM prior_seen) AS pos, * FROM prior_seen
    UNION ALL BY NAME SELECT k AS pos, seller, credit, number, gross, invoice_date FROM inv);
CREATE TEMP TABLE dup AS
SELECT pos AS k FROM (SELECT pos, row_number() OVER (PARTITION BY seller_key, credit, nkey
    ORDER BY pos) AS rn FROM entries) WHERE rn > 1 AND pos >= 0
UNION
SELECT a.pos FROM entries a JOIN entries b ON a.seller_key = b.seller_key
    AND a.credit = b.credit AND a.gross = b.gross AND a.invoice_date = b.invoice_date
    AND b.pos < a.pos
WHERE a.pos >= 0 AND (a.norm = b.norm OR levenshtein(a.nkey, b.nkey) <= 1);
CREATE TEMP TABLE static AS
SELECT x.k, x.content <> 0 OR x.no_ref OR (NOT x.no_ref AND NOT x.found) OR x.all_closed
    OR x.wrong_seller OR x.wrong_currency OR coalesce(lb.bad, FALSE) OR t.bad
    OR d.k IS NOT NULL OR lb.k IS NULL AS bad
FROM inv_x x LEFT JOIN line_bad lb USING (k) JOIN total_bad t USING (k) LEFT JOIN dup d USING (k);
"""

QUANTITIES = """
CREATE TEMP TABLE qm AS
SELECT lm.*, coalesce(pq.quantity, 0) AS prior, lm.check_receipts AND NOT lm.service AS goods
FROM lm LEFT JOIN prior_quantities pq ON pq.po = lm.po AND pq.line = lm.mline
WHERE lm.mline IS NOT NULL;
CREATE TEMP TABLE contested AS
SELECT po, mline FROM qm GROUP BY po, mline, prior, ordered, received, qty_factor, goods
HAVING (prior + sum(CASE WHEN q > 0 THEN q ELSE 0 END))::HUGEINT * 1000000
        > ordered::HUGEINT * qty_factor
    OR (goods AND prior + sum(CASE WHEN q > 0 THEN q ELSE 0 END) > received);
CREATE TEMP TABLE cl AS SELECT qm.* FROM qm JOIN contested USING (po, mline);
CREATE TEMP TABLE status AS
SELECT DISTINCT cl.k, NOT s.bad AS ok FROM cl JOIN static s USING (k);
"""

ROUND = """
CREATE OR REPLACE TEMP TABLE qflag AS
SELECT k, bool_or(q > 0 AND after::HUGEINT * 1000000 > ordered::HUGEINT * qty_factor)
    OR bool_or(q > 0 AND goods AND after > received) AS over
FROM (SELECT cl.*, prior
        + coalesce(sum(CASE WHEN st.m THEN q ELSE 0 END) OVER earlier, 0)
        + coalesce(sum(CASE WHEN st.m THEN 0 ELSE q END) OVER own, 0) + q AS after
      FROM cl JOIN (SELECT k, ok AS m FROM status) st USING (k)
      WINDOW earlier AS (PARTITION BY po, mline ORDER BY j
                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
             own AS (PARTITION BY po, mline, k ORDER BY j
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
GROUP BY k;
"""

NEXT_STATUS = """
CREATE OR REPLACE TEMP TABLE next_status AS
SELECT st.k, st.ok AS old, (NOT s.bad AND NOT q.over) AS ok
FROM status st JOIN static s USING (k) JOIN qflag q USING (k);
"""

RESULT = """
SELECT s.k FROM static s LEFT JOIN qflag q USING (k) WHERE s.bad OR coalesce(q.over, FALSE)
ORDER BY s.k
"""


def _tables(data: BenchData) -> dict[str, dict[str, np.ndarray]]:
    n, m = len(data.invoices["po"]), len(data.lines["quantity"])
    inv = {name: values for name, values in data.invoices.items() if name != "bad_iban"}
    inv["content"] = data.invoices["bad_iban"]
    inv["k"] = np.arange(n, dtype=np.int64)
    lines = dict(data.lines)
    lines["j"] = np.arange(m, dtype=np.int64)
    lines["k"] = np.arange(m, dtype=np.int64) // 5
    return {"orders": data.orders, "receipts": data.receipts, "inv": inv, "lines": lines,
            "prior_quantities": data.prior_quantities, "prior_seen": data.prior_seen}


def run(data: BenchData) -> tuple[np.ndarray, dict[str, float], int]:
    """Exception invoice indices, timings and the number of quantity rounds."""
    timings: dict[str, float] = {}
    start = perf_counter()
    con = duckdb.connect(config={"threads": THREADS})
    for name, columns in _tables(data).items():
        con.register(f"{name}_arrays", columns)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_arrays")
        con.unregister(f"{name}_arrays")
    timings["load"] = perf_counter() - start
    query_start = perf_counter()
    for script in (SETUP, HEADERS, LINES, TOTALS_AND_DUPLICATES, QUANTITIES):
        con.execute(script)
    rounds = 0
    while True:
        rounds += 1
        con.execute(ROUND)
        con.execute(NEXT_STATUS)
        changed = con.execute("SELECT count(*) FROM next_status WHERE ok <> old").fetchone()
        con.execute("CREATE OR REPLACE TEMP TABLE status AS SELECT k, ok FROM next_status")
        if not changed or changed[0] == 0:
            break
    exceptions = con.execute(RESULT).fetchnumpy()["k"]
    timings["match"] = perf_counter() - query_start
    timings["total"] = perf_counter() - start
    con.close()
    return np.asarray(exceptions, dtype=np.int64), timings, rounds
