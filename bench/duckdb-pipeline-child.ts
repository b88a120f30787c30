/**
 * DuckDB side of the "pipeline" bench (a child process, from an esbuild bundle like duckdb-child.ts):
 *   duckdb-pipeline-child.ts <gateway.csv> <bank.csv> <deals.csv> <spend.csv> <database file>
 * The equivalent SQL of the app's pipeline on the same files, into a database file (the app's work is
 * durable too): load both payment CSVs and the deals and spend, full outer join on the normalised key,
 * classify (matched, mismatched, missing, duplicate), then the ROMI aggregate by day and channel:
 * revenue of the reconciled paid payments credited to the deals they join by order number, and spend.
 * Prints {"keys","matched","revenueMinor","spendMinor","aggregateRows"} as JSON.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { DEFAULT_GLOSSARY } from '../lib/reconcile/glossary';

const [gw, bank, deals, spend, file] = process.argv.slice(2);
if (!gw || !bank || !deals || !spend || !file) {
  console.error('usage: duckdb-pipeline-child.ts <gateway.csv> <bank.csv> <deals.csv> <spend.csv> <database file>');
  process.exit(2);
}
const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
const canon = 'CASE lower(trim(s)) ' + Object.entries(DEFAULT_GLOSSARY).map(([code, st]) => `WHEN ${q(code)} THEN ${q(st)}`).join(' ') + " ELSE 'Unknown' END";
const load = (name: string, path: string) => `
  CREATE TABLE ${name} AS SELECT upper(trim(TransactionID)) AS k, Date AS d, Amount AS amt, canon(Status) AS st
  FROM read_csv(${q(path)}, header = true, auto_detect = false,
    columns = {'TransactionID': 'VARCHAR', 'Date': 'DATE', 'Amount': 'DECIMAL(18,2)', 'Status': 'VARCHAR'});`;
const side = (name: string) => `SELECT k, count(*) AS n, first(d) AS d, first(amt) AS amt, first(st) AS st FROM ${name} GROUP BY k`;

const sql = `
CREATE MACRO canon(s) AS ${canon};
${load('gateway', gw)}
${load('bank', bank)}
CREATE TABLE deals AS SELECT * FROM read_csv(${q(deals)}, header = true, auto_detect = true, all_varchar = true);
CREATE TABLE spend AS SELECT * FROM read_csv(${q(spend)}, header = true, skip = 2, auto_detect = true, all_varchar = true);
CREATE TABLE entries AS
WITH a AS (${side('gateway')}), b AS (${side('bank')})
SELECT coalesce(a.k, b.k) AS key, coalesce(a.d, b.d) AS date, a.amt AS a_amount, a.st AS a_status, b.amt AS b_amount, b.st AS b_status,
  CASE WHEN a.n > 1 OR b.n > 1 THEN 'duplicate'
       WHEN a.n IS NULL OR b.n IS NULL THEN 'missing'
       WHEN a.st <> b.st OR a.amt <> b.amt OR a.d <> b.d OR a.st = 'Unknown' THEN 'mismatched'
       ELSE 'matched' END AS class
FROM a FULL OUTER JOIN b ON a.k = b.k;
CREATE TABLE romi AS
SELECT day, channel, sum(revenue)::DECIMAL(18,2) AS revenue, sum(spend)::DECIMAL(18,2) AS spend FROM (
  SELECT strptime(d."Close Date", '%m/%d/%Y')::DATE AS day, d."Lead Source" AS channel, e.a_amount AS revenue, 0 AS spend
  FROM deals d JOIN entries e ON e.key = upper(trim(d."Order Number"))
  WHERE e.class = 'matched' AND e.a_status = 'Paid'
  UNION ALL
  SELECT s."Day"::DATE, 'Paid Search', 0, replace(replace(s."Cost", '$', ''), ',', '')::DECIMAL(18,2) FROM spend s WHERE s."Day" NOT LIKE 'Total%'
) GROUP BY ALL;
`;

async function main() {
  const db = await DuckDBInstance.create(file!);
  const con = await db.connect();
  await con.run(sql);
  const res = await con.runAndReadAll(
    `SELECT (SELECT count(*) FROM entries)::BIGINT, (SELECT count_if(class = 'matched') FROM entries)::BIGINT,
            (SELECT (sum(revenue) * 100)::BIGINT FROM romi), (SELECT (sum(spend) * 100)::BIGINT FROM romi), (SELECT count(*) FROM romi)::BIGINT`,
  );
  const [keys, matched, revenueMinor, spendMinor, aggregateRows] = (res.getRows()[0] ?? []).map((v) => Number(v));
  con.closeSync();
  process.stdout.write(JSON.stringify({ keys, matched, revenueMinor, spendMinor, aggregateRows }) + '\n');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
