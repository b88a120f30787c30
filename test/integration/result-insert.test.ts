import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBulkWriters } from '@/lib/server/db/record-insert';
import { insertResults, type ResultInsertRow } from '@/lib/server/db/result-insert';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

const HOSTILE = [
  '', ' ', '"', '""', "'", "''); DROP TABLE \"RunResult\"; --", 'a,b', 'line\nbreak', 'cr\r\nlf', 'tab\there', '\\N', '\\', 'back\\slash',
  '=HYPERLINK("http://x")', 'ünïcødé €', '😀 emoji', ';amount;status;', 'x'.repeat(70_000),
];

/** The result writer (COPY on PostgreSQL, literal INSERT on SQLite) stores every column exactly, and only while the lease holds. */
describe.each(DATABASE_KINDS)('bulk result writer on %s', (kind) => {
  let db: TestDatabase;
  let ruleSetId: string;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    ruleSetId = (await db.prisma.ruleSet.create({ data: { name: 'bench', version: 1, definition: '{}' } })).id;
  });
  afterAll(async () => {
    await closeBulkWriters();
    await db?.drop();
  });

  const newRun = (attempt = 1) => db.prisma.run.create({ data: { status: 'running', attempt, ruleSetId, inputs: '{"sources":[]}', inputsHash: 'x' } });

  const row = (runId: string, i: number, text: string): ResultInsertRow => ({
    runId,
    key: `k-${i}-${text.slice(0, 30)}`,
    cls: text.slice(0, 40),
    reasons: text,
    severity: i % 3 ? 'warning' : 'critical',
    severityRank: i % 3,
    action: text.slice(0, 10),
    actionLabel: text,
    ruleId: i % 2 ? text.slice(0, 50) : null,
    missingIn: text.slice(0, 20),
    duplicateIn: i % 2 ? '' : ';Bank;',
    statuses: `;Gateway:${text.slice(0, 10)};Bank:-;`,
    // Up to the largest amount the app holds exactly (2^53 - 1), both signs.
    amountMinor: i % 2 ? 9_007_199_254_740_991n - BigInt(i) : -9_007_199_254_740_991n + BigInt(i),
    currency: 'EUR',
    date: i % 4 ? '2024-02-29' : null,
    amountDiffMinor: i % 5 ? 18_014_398_509_481_982n / 2n - BigInt(i % 512) : 0n,
    detail: JSON.stringify({ sources: [{ name: text, status: null }], note: text }),
    state: 'open',
  });

  it('round-trips hostile text, NULLs and amounts up to 2^53 - 1 exactly, with the heartbeat and progress', async () => {
    const run = await newRun();
    const rows = HOSTILE.map((t, i) => row(run.id, i, t));
    expect(await insertResults(db.prisma, { runId: run.id, attempt: 1, progress: rows.length }, rows)).toBe(true);
    const back = await db.prisma.runResult.findMany({ where: { runId: run.id }, orderBy: { id: 'asc' } });
    expect(back).toHaveLength(rows.length);
    back.forEach((b, i) => {
      const { runId, key, cls, reasons, severity, severityRank, action, actionLabel, ruleId, missingIn, duplicateIn, statuses, amountMinor, currency, date, amountDiffMinor, detail, state } = b;
      expect({ runId, key, cls, reasons, severity, severityRank, action, actionLabel, ruleId, missingIn, duplicateIn, statuses, amountMinor, currency, date, amountDiffMinor, detail, state }).toEqual(rows[i]);
      // Defaults like a Prisma insert: nothing reviewed yet.
      expect({ version: b.version, finalStatus: b.finalStatus, finalAmountMinor: b.finalAmountMinor, assigneeId: b.assigneeId, resolvedAt: b.resolvedAt }).toEqual({ version: 0, finalStatus: null, finalAmountMinor: null, assigneeId: null, resolvedAt: null });
      expect(Math.abs(b.updatedAt.getTime() - Date.now())).toBeLessThan(60_000);
    });
    const after = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id } });
    expect(after.progress).toBe(rows.length);
    expect(Math.abs(after.heartbeatAt!.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('writes nothing and reports the lease lost when a newer attempt or a stop took the run', async () => {
    const run = await newRun(2);
    const rows = [row(run.id, 1, 'a'), row(run.id, 2, 'b')];
    expect(await insertResults(db.prisma, { runId: run.id, attempt: 1, progress: 2 }, rows)).toBe(false);
    await db.prisma.run.update({ where: { id: run.id }, data: { status: 'failed' } });
    expect(await insertResults(db.prisma, { runId: run.id, attempt: 2, progress: 2 }, rows)).toBe(false);
    expect(await db.prisma.runResult.count({ where: { runId: run.id } })).toBe(0);
    expect((await db.prisma.run.findUniqueOrThrow({ where: { id: run.id } })).progress).toBe(0);
  });

  it('checks a partition lease against both the partition attempt and the run attempt', async () => {
    const run = await newRun(3);
    const part = await db.prisma.runPartition.create({ data: { runId: run.id, index: 0, count: 2, status: 'running', attempt: 2 } });
    const lease = (partAttempt: number, runAttempt = 3) => ({ runId: run.id, attempt: runAttempt, partition: { id: part.id, attempt: partAttempt }, rows: 1 });
    expect(await insertResults(db.prisma, lease(1), [row(run.id, 1, 'stale partition')])).toBe(false);
    expect(await insertResults(db.prisma, lease(2, 2), [row(run.id, 2, 'stale run')])).toBe(false);
    expect(await db.prisma.runResult.count({ where: { runId: run.id } })).toBe(0);
    expect(await insertResults(db.prisma, lease(2), [row(run.id, 3, 'held')])).toBe(true);
    expect((await db.prisma.runResult.findMany({ where: { runId: run.id } })).map((r) => r.reasons)).toEqual(['held']);
    expect((await db.prisma.runPartition.findUniqueOrThrow({ where: { id: part.id } })).rows).toBe(1);
  });

  it('writes all of a batch or none of it (an amount out of range, a duplicate key), and the writer stays usable', async () => {
    const run = await newRun();
    const ok = Array.from({ length: 6000 }, (_, i) => row(run.id, i, 'ok'));
    await expect(insertResults(db.prisma, { runId: run.id, attempt: 1, progress: 1 }, [...ok.slice(0, 4000), { ...ok[4000]!, amountMinor: 9_007_199_254_740_992n }])).rejects.toThrow(/outside the supported range/);
    await expect(insertResults(db.prisma, { runId: run.id, attempt: 1, progress: 1 }, [...ok.slice(0, 3000), ok[0]!])).rejects.toThrow();
    expect(await db.prisma.runResult.count({ where: { runId: run.id } })).toBe(0);
    expect(await insertResults(db.prisma, { runId: run.id, attempt: 1, progress: ok.length }, ok)).toBe(true);
    expect(await db.prisma.runResult.count({ where: { runId: run.id } })).toBe(ok.length);
  });
});
