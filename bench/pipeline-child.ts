/**
 * Child of the "pipeline" bench (tsx, with the peak-RSS probe in every process of its tree):
 *   pipeline-child.ts <database url> <gateway.csv> <bank.csv> <deals.csv> <spend.csv>
 * Takes a fresh database from files to the dashboard through the app's own code, as a company would:
 *  1. four uploads through the real ingestion path (stream to disk and hash, preview, the suggested
 *     mapping, validation, the record writer; large files in a process of their own), each timed;
 *  2. the reconciliation (gateway beside bank) and its ROMI settings (deals joined to payments by the
 *     order number, spend from the ad platform on the company's channel);
 *  3. the first full ledger pass: every key reconciled and classified, the automatic rules, the ROMI
 *     aggregate built;
 *  4. the dashboard's figures read as the page reads them;
 *  5. outside the total: the ROMI aggregate rebuilt from the ledger (as when its settings are saved
 *     again), checked to show the same figures.
 * Prints one JSON line "FIGURES {...}" with each stage's time and the figures shown.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { clientTarget, createPrismaClient, type DbClient } from '@/lib/server/db/client';
import { migrateDatabase } from '@/lib/server/db/migrate';
import { createSource } from '@/lib/features/ingestion/sources';
import { previewIngestion } from '@/lib/features/ingestion/preview-ingestion';
import { stageUpload } from '@/lib/features/ingestion/stage-upload';
import { startIngestion } from '@/lib/features/ingestion/process-ingestion';
import { closeBulkWriters } from '@/lib/server/db/record-insert';
import { ensureDefaultRuleSet } from '@/lib/features/runs/rulesets';
import { createReconciliation, runLedgerPass } from '@/lib/features/ledger';
import { saveRomiSettings } from '@/lib/features/romi/configure';
import { saveChannelMapping } from '@/lib/features/romi/channel-map';
import { dashboardData, parseRomiQuery } from '@/lib/features/romi/dashboard';
import { rebuildRomi } from '@/lib/features/romi/rebuild-romi';
import { tableIndexes } from '@/lib/server/db/deferred-indexes';
import { limitHeapGrowth } from '@/lib/server/core/heap';

async function upload(db: DbClient, name: string, kind: 'gateway' | 'bank' | 'crm' | 'ads', file: string) {
  const t = performance.now();
  const source = await createSource({ name, kind }, { actor: null, db });
  const staged = await stageUpload({ sourceId: source.id, fileName: file.split('/').pop()!, body: Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>, actor: null, db });
  const preview = await previewIngestion(staged.ingestionId, { db });
  await startIngestion(staged.ingestionId, { profile: preview.suggestion.profile, presetId: preview.suggestion.presetId, onInvalid: 'abort', actor: null, db, wait: true });
  const ing = await db.ingestion.findUniqueOrThrow({ where: { id: staged.ingestionId }, select: { status: true, rowsValid: true, rowsInvalid: true, message: true } });
  if (ing.status !== 'committed') throw new Error(`${name}: the upload ended ${ing.status}: ${ing.message}`);
  const unknown = await db.sourceRecord.count({ where: { sourceId: source.id, status: 'Unknown' } });
  return { id: source.id, ms: performance.now() - t, rows: ing.rowsValid, unknown, preset: preview.suggestion.presetId ?? null };
}

/** The tables whose rows the pipeline keeps: records, then what the first full pass and its ROMI build write. */
const KEPT_TABLES = ['SourceRecord', 'RunResult', 'EntryHistory', 'Resolution', 'AuditLog', 'RomiCredit', 'RomiDaily'] as const;
type OwnWrite = { table: string; rows: number; insertMs: number; indexes: number; indexMs: number };

/**
 * The database writing the rows the pipeline kept, by itself: each table copied by one
 * `INSERT ... SELECT` into an empty twin (same columns; no index), then the twin's indexes built, one
 * after another, timed. No client can store the same rows faster (no parsing, no binding, no round
 * trip): the floor beside which the pipeline's own writes are read. The twins are dropped after.
 */
async function ownWrites(db: DbClient): Promise<OwnWrite[]> {
  const pg = clientTarget(db).kind === 'postgres';
  const out: OwnWrite[] = [];
  if (!pg) await db.$executeRawUnsafe('PRAGMA cache_size = -65536'); // the app's bulk writer's cache
  for (const table of KEPT_TABLES) {
    const twin = `${table}_twin`;
    const [count] = await db.$queryRawUnsafe<{ n: number | bigint }[]>(`SELECT COUNT(*) AS "n" FROM "${table}"`);
    if (pg) {
      await db.$executeRawUnsafe(`CREATE TABLE "${twin}" (LIKE "${table}" INCLUDING DEFAULTS)`);
    } else {
      const [def] = await db.$queryRawUnsafe<{ sql: string }[]>(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, table);
      if (!def) throw new Error(`No table ${table}.`);
      await db.$executeRawUnsafe(def.sql.replace(/^CREATE TABLE "?[A-Za-z0-9_]+"?/, `CREATE TABLE "${twin}"`));
    }
    const indexes = (await tableIndexes(db, pg ? 'postgres' : 'sqlite', table)).map((d) => d.sql.replace(/INDEX "?([A-Za-z0-9_]+)"? ON (\S+\.)?"?[A-Za-z0-9_]+"?/, `INDEX "twin_$1" ON "${twin}"`));
    const t = performance.now();
    await db.$executeRawUnsafe(`INSERT INTO "${twin}" SELECT * FROM "${table}"`);
    const insertMs = performance.now() - t;
    const t2 = performance.now();
    for (const sql of indexes) await db.$executeRawUnsafe(sql);
    const indexMs = performance.now() - t2;
    await db.$executeRawUnsafe(`DROP TABLE "${twin}"`);
    out.push({ table, rows: Number(count?.n ?? 0), insertMs, indexes: indexes.length, indexMs });
  }
  return out;
}

async function main() {
  const [url, gwFile, bankFile, dealsFile, spendFile] = process.argv.slice(2);
  if (!url || !gwFile || !bankFile || !dealsFile || !spendFile) throw new Error('usage: pipeline-child <url> <gateway.csv> <bank.csv> <deals.csv> <spend.csv>');
  limitHeapGrowth(); // as the app's processes do (lib/server/bootstrap)
  await migrateDatabase(url);
  process.env.DATABASE_URL = url;
  const db = createPrismaClient(url);
  const t0 = performance.now();
  const gateway = await upload(db, 'Gateway', 'gateway', gwFile);
  const bank = await upload(db, 'Bank', 'bank', bankFile);
  const crm = await upload(db, 'CRM', 'crm', dealsFile);
  const ads = await upload(db, 'Google Ads', 'ads', spendFile);

  const t1 = performance.now();
  const ruleSet = await ensureDefaultRuleSet(db);
  const rec = await createReconciliation({ name: 'Payments', sourceIds: [gateway.id, bank.id], ruleSetName: ruleSet.name }, null, db);
  await saveRomiSettings(rec.id, { dealSourceIds: [crm.id], spendSourceIds: [ads.id], join: { payment: 'key', deal: 'Order Number' }, basis: 'deal', dealConditions: [], sameAmount: false }, null, db);
  await saveChannelMapping([{ value: 'Google Ads', channel: 'Paid Search' }], null, db);
  const setupMs = performance.now() - t1;

  const t2 = performance.now();
  const pass = await runLedgerPass(rec.id, { keys: null, trigger: 'person', db });
  const passMs = performance.now() - t2;

  const t3 = performance.now();
  const dash = await dashboardData(parseRomiQuery({}), db, { cache: false });
  const dashboardMs = performance.now() - t3;
  const totalMs = performance.now() - t0;
  const usd = dash?.totals.find((f) => f.currency === 'USD');
  // Outside the pipeline's total: the aggregate built again from the ledger (as when the ROMI settings are
  // saved again), which must show exactly the same figures.
  const t4 = performance.now();
  const rebuilt = await rebuildRomi(rec.ledgerRunId, { db });
  const rebuildMs = performance.now() - t4;
  const again = await dashboardData(parseRomiQuery({}), db, { cache: false });
  const same = JSON.stringify(again?.totals, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) === JSON.stringify(dash?.totals, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  if (!same) throw new Error('The dashboard shows other figures after the ROMI aggregate is rebuilt.');
  const own = await ownWrites(db);
  await closeBulkWriters();
  await db.$disconnect();
  console.log(
    `FIGURES ${JSON.stringify(
      {
        uploads: { gateway, bank, crm, ads },
        setupMs,
        pass: { ms: passMs, keysRead: pass.keysRead, created: pass.created, autoResolved: pass.autoResolved, workers: pass.workers, phases: pass.phases, rssMiB: pass.rssMiB },
        dashboardMs,
        totalMs,
        rebuild: { ms: rebuildMs, credits: rebuilt.credits, daily: rebuilt.daily },
        own,
        shown: usd ? { netRevenueMinor: usd.netRevenueMinor, spendMinor: usd.spendMinor, romi: usd.romi, paidDeals: usd.paidDeals, notCountedMinor: usd.notCountedMinor } : null,
      },
      (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v),
    )}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
