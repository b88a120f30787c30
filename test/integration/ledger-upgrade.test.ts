/**
 * The upgrade to the ledger (docs/ledger.md): a database from the previous version, with runs,
 * results and reviewers' decisions, migrates so that each rule set's newest completed run becomes
 * a reconciliation's ledger with every decision, comment and escalation still attached.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '@/lib/server/db/client';
import { expectCountsMatchEntries } from './ledger-counts';
import { migrateDatabase } from '@/lib/server/db/migrate';
import { copyPrismaDir, PG_URL, throwawayPgDatabase, tmpDir } from './db-helpers';

const LEDGER_MIGRATION = '20261205131541_reconciliation_ledger';
const KINDS: ('sqlite' | 'postgres')[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

/** prisma/ as the previous version shipped it: every migration before the ledger's. */
function previousPrismaDir(): string {
  const dir = copyPrismaDir();
  for (const kind of ['sqlite', 'postgres']) {
    const migrations = path.join(dir, kind, 'migrations');
    for (const name of fs.readdirSync(migrations)) if (name >= LEDGER_MIGRATION && !name.endsWith('.toml')) fs.rmSync(path.join(migrations, name), { recursive: true });
  }
  return dir;
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe.each(KINDS)('upgrading a %s database to the ledger', (kind) => {
  it('keeps every decision: the newest completed run of each rule set becomes its reconciliation\'s ledger', async () => {
    let url: string;
    if (kind === 'sqlite') {
      const dir = tmpDir('paidline-upgrade-');
      url = `file:${path.join(dir, 'old.db')}`;
      cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    } else {
      const pg = await throwawayPgDatabase();
      url = pg.url;
      cleanups.push(pg.drop);
    }
    await migrateDatabase(url, { prismaDir: previousPrismaDir() });
    const prisma: PrismaClient = createPrismaClient(url);
    cleanups.push(() => prisma.$disconnect());

    // The previous version's data, written without RETURNING (the new client knows columns the old tables lack).
    await prisma.ruleSet.createMany({
      data: [
        { id: 'rs1', name: 'gateway-vs-bank', version: 1, definition: '{}' },
        { id: 'rs2', name: 'gateway-vs-bank', version: 2, definition: '{}' },
        { id: 'rs3', name: 'invoices', version: 1, definition: '{}' },
      ],
    });
    const inputs = JSON.stringify({ sources: [{ sourceId: 'src-gw', name: 'Gateway', kind: 'gateway', ingestionIds: [], profileVersions: [], webhookMaxRecordId: null }] });
    const at = (day: number) => new Date(Date.UTC(2026, 10, day));
    // Runs through raw SQL: the new client fills `kind`, which the old table does not have yet.
    const run = (id: string, status: string, ruleSetId: string, day: number, totalKeys: number) =>
      prisma.$executeRaw`INSERT INTO "Run" ("id", "status", "ruleSetId", "inputs", "inputsHash", "createdAt", "finishedAt", "totalKeys") VALUES (${id}, ${status}, ${ruleSetId}, ${inputs}, ${id}, ${at(day)}, ${at(day)}, ${totalKeys})`;
    await run('run-old', 'completed', 'rs1', 1, 1);
    await run('run-new', 'completed', 'rs2', 2, 2);
    await run('run-failed', 'failed', 'rs2', 3, 0);
    await run('run-inv', 'completed', 'rs3', 1, 0);
    const row = (runId: string, key: string, state: string) => ({
      runId, key, cls: 'mismatched', reasons: ';status;', severity: 'warning', severityRank: 1, action: 'investigate', actionLabel: 'Investigate',
      missingIn: '', duplicateIn: '', statuses: ';Gateway:Paid;Bank:Failed;', amountMinor: 12500n, currency: 'USD', date: '2026-11-02', detail: '{"sources":[],"corrections":[],"violations":[]}', state,
    });
    await prisma.runResult.createMany({ data: [row('run-old', 'K1', 'open'), row('run-new', 'K1', 'resolved'), row('run-new', 'K2', 'open')] });
    const resolved = await prisma.runResult.findFirstOrThrow({ where: { runId: 'run-new', key: 'K1' }, select: { id: true } });
    await prisma.resolution.createMany({ data: [{ id: 'res-1', resultId: resolved.id, runId: 'run-new', action: 'accept_source', reason: 'Bank confirmed on the phone', actorEmail: 'rita@example.com', before: '{}', after: '{}', version: 1 }] });
    await prisma.comment.createMany({ data: [{ id: 'c-1', resultId: resolved.id, authorEmail: 'rita@example.com', body: 'Called the bank.' }] });

    const { applied } = await migrateDatabase(url);
    expect(applied).toContain(LEDGER_MIGRATION);

    const reconciliations = await prisma.reconciliation.findMany({ orderBy: { name: 'asc' }, include: { passes: true } });
    expect(reconciliations.map((r) => [r.name, r.ledgerRunId, r.ruleSetName])).toEqual([
      ['gateway-vs-bank', 'run-new', 'gateway-vs-bank'],
      ['invoices', 'run-inv', 'invoices'],
    ]);
    expect(reconciliations[0]!.passes).toMatchObject([{ trigger: 'upgrade', triggerRef: 'run-new', scope: 'full', status: 'completed', keysRead: 2 }]);
    expect(JSON.parse(reconciliations[0]!.members)).toMatchObject({ sources: [{ sourceId: 'src-gw' }] });
    expect(Object.fromEntries((await prisma.run.findMany({ select: { id: true, kind: true } })).map((r) => [r.id, r.kind]))).toEqual({
      'run-old': 'run', 'run-new': 'ledger', 'run-failed': 'run', 'run-inv': 'ledger',
    });
    // The decision, its reason and the comment are on the ledger entry, untouched.
    const entry = await prisma.runResult.findFirstOrThrow({ where: { runId: 'run-new', key: 'K1' }, include: { resolutions: true, comments: true } });
    expect(entry.state).toBe('resolved');
    expect(entry.resolutions.map((r) => r.reason)).toEqual(['Bank confirmed on the phone']);
    expect(entry.comments.map((c) => c.body)).toEqual(['Called the bank.']);
    // The ledgers' totals start from their entries (passes move them from then on).
    await expectCountsMatchEntries(prisma, 'run-new');
    expect(await prisma.ledgerCount.findMany({ where: { runId: 'run-new', dim: 'cls' }, select: { value: true, n: true } })).toEqual([{ value: 'mismatched', n: 2 }]);
    expect(await prisma.ledgerCount.count({ where: { runId: 'run-old' } })).toBe(0);
    // Migrating again changes nothing.
    expect((await migrateDatabase(url)).applied).toEqual([]);
    expect(await prisma.reconciliation.count()).toBe(2);
  });
});
