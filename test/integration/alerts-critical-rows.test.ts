import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { criticalRows } from '@/lib/features/alerts/checks';
import { startRun } from '@/lib/features/runs';
import { InProcessQueue } from '@/lib/server/jobs';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor } from './review-fixtures';
import { seedRunData } from './runs-partitioned-fixtures';

/** The critical-row check pages through a run: every critical row once, none else, whatever the page size. */
describe.each(DATABASE_KINDS)('critical rows of a large run on %s', (kind) => {
  let db: TestDatabase;
  let runId = '';
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    const analyst = await makeActor(db.prisma, 'analyst');
    const { sourceIds } = await seedRunData(db.prisma, { keys: 6000, seed: 5 });
    const run = await startRun({ sources: sourceIds.map((sourceId) => ({ sourceId })) }, analyst, { db: db.prisma, wait: true, partitions: 1, queue: new InProcessQueue(db.prisma) });
    runId = run.id;
  }, 300_000);
  afterAll(async () => db?.drop());

  it('finds exactly the open gateway-Paid / bank-not rows, across pages, in key order', async () => {
    const found = await criticalRows(db.prisma, runId, 100);
    // Worked out independently: every critical row of the run, read at once and checked here.
    const all = await db.prisma.runResult.findMany({ where: { runId, severityRank: 2 }, select: { id: true, key: true, state: true, detail: true } });
    const expected = all
      .filter((r) => {
        if (r.state !== 'open') return false;
        const d = JSON.parse(r.detail) as { sources: { kind: string; present: boolean; status: string | null }[] };
        const gw = d.sources.filter((s) => s.kind === 'gateway');
        const bank = d.sources.filter((s) => s.kind === 'bank');
        return gw.some((g) => g.present && g.status === 'Paid') && bank.some((b) => !b.present || b.status === 'Failed');
      })
      .map((r) => ({ id: r.id, key: r.key }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    expect(all.length).toBeGreaterThan(300); // several pages of 100
    expect(expected.length).toBeGreaterThan(0);
    expect(found).toEqual(expected);
    expect(await criticalRows(db.prisma, runId)).toEqual(expected); // one page of 1,000
    expect(new Set(found.map((f) => f.key)).size).toBe(found.length);
  });

  it('pages through rows of equal amounts without skipping or repeating any (the keyset breaks ties by key)', async () => {
    const before = await criticalRows(db.prisma, runId, 1000);
    // Three amounts for every critical row: page boundaries fall inside runs of equal amounts.
    const critical = await db.prisma.runResult.findMany({ where: { runId, severityRank: 2 }, select: { id: true } });
    for (const [i, r] of critical.entries()) await db.prisma.runResult.update({ where: { id: r.id }, data: { amountMinor: BigInt(i % 3) } });
    for (const size of [7, 100]) expect(await criticalRows(db.prisma, runId, size)).toEqual(before);
  }, 120_000);
});
