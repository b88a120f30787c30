/**
 * DuckDB side of the reconcile bench (run as a child process):
 *   node --import tsx bench/duckdb-child.ts <gateway.csv> <bank.csv> <out.csv>
 *   (the bench runs an esbuild bundle of it: tools/reconcile-cli/bundle.cjs)
 * Same work as the CLI: read both CSVs, map statuses through the default
 * glossary, full outer join on the normalised key, detect duplicates, classify,
 * apply the default gateway-vs-bank rules, write one row per key, count.
 * Prints {"total","matched","mismatched","missing"} as JSON.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { DEFAULT_GLOSSARY } from '../lib/reconcile/glossary';

const [gw, bank, out] = process.argv.slice(2);
if (!gw || !bank || !out) {
  console.error('usage: duckdb-child.ts <gateway.csv> <bank.csv> <out.csv>');
  process.exit(2);
}
const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
const canon =
  'CASE lower(trim(s)) ' +
  Object.entries(DEFAULT_GLOSSARY).map(([code, st]) => `WHEN ${q(code)} THEN ${q(st)}`).join(' ') +
  " ELSE 'Unknown' END";
const side = (file: string) => `
  SELECT upper(trim(TransactionID)) AS k, count(*) AS n, first(Date) AS d, first(Amount) AS amt, canon(first(Status)) AS st
  FROM read_csv(${q(file)}, header = true, auto_detect = false,
    columns = {'TransactionID': 'VARCHAR', 'Date': 'DATE', 'Amount': 'DECIMAL(18,2)', 'Status': 'VARCHAR'})
  GROUP BY k`;

const sql = `
CREATE MACRO canon(s) AS ${canon};
CREATE TEMP TABLE r AS
WITH a AS (${side(gw)}), b AS (${side(bank)}),
j AS (
  SELECT coalesce(a.k, b.k) AS key, coalesce(a.d, b.d) AS date,
         a.amt AS a_amount, a.st AS a_status, a.n AS an, a.d AS a_date,
         b.amt AS b_amount, b.st AS b_status, b.n AS bn, b.d AS b_date
  FROM a FULL OUTER JOIN b ON a.k = b.k),
c AS (
  SELECT *,
    coalesce(a_status <> b_status, false) AS rs,
    coalesce(a_amount <> b_amount, false) AS ra,
    coalesce(a_date <> b_date, false) AS rd,
    (an IS NOT NULL AND bn IS NOT NULL AND (a_status = 'Unknown' OR b_status = 'Unknown')) AS ru,
    CASE WHEN an > 1 OR bn > 1 THEN 'duplicate'
         WHEN an IS NULL OR bn IS NULL THEN 'missing'
         WHEN rs OR ra OR rd OR ru THEN 'mismatched'
         ELSE 'matched' END AS class
  FROM j)
SELECT key, date, a_amount, a_status, b_amount, b_status, class,
  CASE class
    WHEN 'missing' THEN CASE WHEN an IS NULL THEN 'missing:gateway' ELSE 'missing:bank' END
    WHEN 'duplicate' THEN concat_ws(';', CASE WHEN an > 1 THEN 'duplicate:gateway' END, CASE WHEN bn > 1 THEN 'duplicate:bank' END)
    ELSE concat_ws(';', CASE WHEN rs THEN 'status' END, CASE WHEN ra THEN 'amount' END,
                   CASE WHEN rd THEN 'date' END, CASE WHEN ru THEN 'unknown_status' END) END AS reasons,
  CASE WHEN class = 'duplicate' OR (a_status = 'Paid' AND coalesce(b_status, '') <> 'Paid') THEN 'critical'
       WHEN class = 'matched' THEN 'info' ELSE 'warning' END AS severity,
  CASE WHEN class <> 'duplicate' AND ra THEN 'fail_and_refund'
       WHEN class = 'mismatched' AND b_status = 'Paid' AND a_status = 'Pending' THEN 'set_gateway_paid_and_settle'
       WHEN class = 'mismatched' AND b_status = 'Paid' AND a_status = 'Failed' THEN 'fail_at_bank_and_refund'
       WHEN class = 'mismatched' AND b_status = 'Pending' AND a_status = 'Paid' THEN 'set_bank_paid_and_settle'
       WHEN class = 'mismatched' AND b_status = 'Pending' AND a_status = 'Failed' THEN 'fail_at_bank_refund_if_funded'
       WHEN class = 'mismatched' AND b_status = 'Failed' AND a_status = 'Paid' THEN 'set_bank_paid_manual_debit'
       WHEN class = 'mismatched' AND b_status = 'Failed' AND a_status = 'Pending' THEN 'fail_no_funds_moved'
       WHEN class = 'missing' AND an IS NULL AND b_status = 'Paid' THEN 'create_gateway_paid'
       WHEN class = 'matched' AND b_status = 'Paid' THEN 'settle_to_merchant'
       WHEN class = 'matched' THEN 'no_action'
       ELSE 'manual_review' END AS action
FROM c;
COPY r TO ${q(out)} (HEADER, DELIMITER ',');
`;

async function main() {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(sql);
  const res = await con.runAndReadAll(
    `SELECT count(*)::BIGINT, count_if(class = 'matched')::BIGINT, count_if(class = 'mismatched')::BIGINT,
            (count_if(class = 'missing' AND a_status IS NULL) + count_if(class = 'missing' AND b_status IS NULL))::BIGINT FROM r`,
  );
  const [total, matched, mismatched, missing] = (res.getRows()[0] ?? []).map((v) => Number(v));
  process.stdout.write(JSON.stringify({ total, matched, mismatched, missing }) + '\n');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
