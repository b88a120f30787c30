import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRuns, startRun } from '@/lib/features/runs';
import { backlogBuckets, exportDiscrepanciesCsv, listDiscrepancies, parseDiscrepancyQuery } from '@/lib/features/review/discrepancies';
import { addComment, assignDiscrepancy, bulkResolve, resolveDiscrepancy, undoResolution } from '@/lib/features/review/resolve';
import { reconciledPaidTotals, reconciledPaidTransactions } from '@/lib/features/review/reconciled-state';
import { ConflictError, ForbiddenError, InvalidRequestError as ReviewError } from '@/lib/server/core/app-error';
import { type Actor as ReviewActor } from '@/lib/domain/actor';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor, seedSources } from './review-fixtures';

describe.each(DATABASE_KINDS)('finance review on %s', (kind) => {
  let db: TestDatabase;
  let reviewer: ReviewActor;
  let analyst: ReviewActor;
  let executive: ReviewActor;
  let runId: string;
  const row = async (key: string) => db.prisma.runResult.findUniqueOrThrow({ where: { runId_key: { runId, key } } });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    reviewer = await makeActor(db.prisma, 'reviewer');
    analyst = await makeActor(db.prisma, 'analyst');
    executive = await makeActor(db.prisma, 'executive');
    const ids = await seedSources(db.prisma);
    runId = (await startRun({ sources: [{ sourceId: ids.gatewayId }, { sourceId: ids.bankId }] }, analyst, { db: db.prisma, wait: true })).id;
  });
  afterAll(async () => db?.drop());

  it('filters, sorts and pages discrepancies in the database', async () => {
    const critical = await listDiscrepancies(runId, parseDiscrepancyQuery({ run: runId, severity: 'critical', sort: 'key', dir: 'asc' }), { db: db.prisma });
    expect(critical.total).toBe(5);
    expect(critical.rows.map((r) => r.key)).toEqual(['TX1010', 'TX1011', 'TX1012', 'TX1015', 'TX1018']);
    const all = await listDiscrepancies(runId, parseDiscrepancyQuery({}), { db: db.prisma });
    expect(all.total).toBe(21); // matched rows are not discrepancies
    const page2 = await listDiscrepancies(runId, parseDiscrepancyQuery({ size: '25', cls: 'all', sort: 'amount', dir: 'desc', page: '1' }), { db: db.prisma });
    expect(page2.total).toBe(25);
    const amounts = page2.rows.map((r) => Number(r.amount));
    expect([...amounts].sort((a, b) => b - a)).toEqual(amounts);
    const missingAtBank = await listDiscrepancies(runId, parseDiscrepancyQuery({ source: 'Bank' }), { db: db.prisma });
    expect(missingAtBank.rows.map((r) => r.key).sort()).toEqual(['TX1010', 'TX1015']);
    const search = await listDiscrepancies(runId, parseDiscrepancyQuery({ q: 'tx200' }), { db: db.prisma });
    expect(search.total).toBe(5);
    const range = await listDiscrepancies(runId, parseDiscrepancyQuery({ min: '500', max: '600.50', cls: 'all' }), { db: db.prisma });
    for (const r of range.rows) expect(Number(r.amount)).toBeGreaterThanOrEqual(500);
    const byReason = await listDiscrepancies(runId, parseDiscrepancyQuery({ reason: 'amount' }), { db: db.prisma });
    expect(byReason.total).toBe(14);
    // Counting stops at the cap: the total is then a lower bound and the page says so.
    const capped = await listDiscrepancies(runId, parseDiscrepancyQuery({ size: '25' }), { db: db.prisma, countCap: 10 });
    expect(capped).toMatchObject({ capped: true, total: 21 });
    const capped2 = await listDiscrepancies(runId, parseDiscrepancyQuery({ size: '25', severity: 'critical' }), { db: db.prisma, countCap: 3 });
    expect(capped2).toMatchObject({ capped: true, total: 5 });
    expect((await listDiscrepancies(runId, parseDiscrepancyQuery({ severity: 'critical' }), { db: db.prisma, countCap: 5 })).capped).toBe(false);
    // A broken value in a hand-edited link drops that filter only.
    expect(parseDiscrepancyQuery({ severity: 'urgent', state: 'open' })).toMatchObject({ severity: [], state: ['open'] });
  });

  it('resolves with a mandatory reason; the change and its audit row commit together', async () => {
    const r = await row('TX1011');
    await expect(resolveDiscrepancy(r.id, r.version, { action: 'apply_recommended', reason: ' ' }, reviewer, db.prisma)).rejects.toThrow(/reason/);
    const out = await resolveDiscrepancy(r.id, r.version, { action: 'apply_recommended', reason: 'Bank confirms the amount never arrived' }, reviewer, db.prisma);
    const after = await row('TX1011');
    expect(after).toMatchObject({ state: 'resolved', finalStatus: 'Failed', version: r.version + 1 });
    const audit = await db.prisma.auditLog.findMany({ where: { entityType: 'RunResult', entityId: String(r.id) } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: reviewer.id, actorEmail: reviewer.email, action: 'discrepancy.resolve' });
    expect(JSON.parse(audit[0]!.before!)).toMatchObject({ state: 'open', finalStatus: null });
    expect(JSON.parse(audit[0]!.after!)).toMatchObject({ state: 'resolved', finalStatus: 'Failed', reason: 'Bank confirms the amount never arrived', resolutionId: out.resolutionId });
  });

  it('rolls the change back when the audit write fails (same transaction)', async () => {
    const r = await row('TX1012');
    // An actor id that no user has: the audit row's foreign key fails, so the whole transaction must roll back.
    const ghost: ReviewActor = { id: 'no-such-user', email: 'ghost@test', role: 'reviewer' };
    await expect(resolveDiscrepancy(r.id, r.version, { action: 'write_off', reason: 'Testing atomicity' }, ghost, db.prisma)).rejects.toThrow();
    expect(await row('TX1012')).toMatchObject({ state: 'open', version: r.version, finalStatus: null });
    expect(await db.prisma.resolution.count({ where: { resultId: r.id } })).toBe(0);
  });

  it('refuses wrong roles with 403 at the domain level: executives read, analysts only comment', async () => {
    const r = await row('TX1013');
    for (const actor of [executive, analyst]) {
      const error = await resolveDiscrepancy(r.id, r.version, { action: 'write_off', reason: 'not allowed' }, actor, db.prisma).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ForbiddenError);
      expect((error as ForbiddenError).status).toBe(403);
    }
    await expect(bulkResolve([{ id: r.id, version: r.version }], { action: 'write_off', reason: 'no' }, executive, db.prisma)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(undoResolution(r.id, analyst, { db: db.prisma })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(addComment(r.id, 'I can read only', executive, db.prisma)).rejects.toBeInstanceOf(ForbiddenError);
    await addComment(r.id, 'Bank statement attached in the ticket', analyst, db.prisma);
    expect(await db.prisma.comment.count({ where: { resultId: r.id } })).toBe(1);
    expect(await row('TX1013')).toMatchObject({ state: 'open', version: r.version });
  });

  it('refuses a stale edit with a clear conflict message', async () => {
    const r = await row('TX1014');
    await assignDiscrepancy(r.id, r.version, reviewer.id, reviewer, db.prisma);
    expect(await row('TX1014')).toMatchObject({ state: 'in_review', assigneeId: reviewer.id });
    const error = await resolveDiscrepancy(r.id, r.version, { action: 'timing_difference', reason: 'Settles tomorrow' }, reviewer, db.prisma).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toMatch(/TX1014 was changed by someone else.*in review/);
  });

  it('accepts one source, corrects manually, and the reconciled Paid set follows the outcome', async () => {
    const a = await row('TX1009'); // Paid on both sides, amounts differ
    await resolveDiscrepancy(a.id, a.version, { action: 'accept_source', source: 'Bank', reason: 'Bank amount is what settled' }, reviewer, db.prisma);
    expect(await row('TX1009')).toMatchObject({ state: 'resolved', finalStatus: 'Paid', finalAmountMinor: 90400n }); // the bank's 904, not the gateway's 586
    const b = await row('TX2003');
    await resolveDiscrepancy(b.id, b.version, { action: 'manual', status: 'Paid', amountMinor: '12345', reason: 'Confirmed by phone with the bank' }, reviewer, db.prisma);
    expect(await row('TX2003')).toMatchObject({ finalStatus: 'Paid', finalAmountMinor: 12345n, finalCurrency: 'USD' });
    const paid: string[] = [];
    for await (const t of reconciledPaidTransactions({ runId, db: db.prisma })) paid.push(t.key);
    expect(paid.sort()).toEqual(['TX1000', 'TX1002', 'TX1009', 'TX2003']);
    // The run page's totals (one SQL statement) are the streamed rows' sums, the manual amount among them.
    const sums: Record<string, bigint> = {};
    for await (const t of reconciledPaidTransactions({ runId, db: db.prisma })) sums[t.currency] = (sums[t.currency] ?? 0n) + t.finalAmountMinor;
    const totals = await reconciledPaidTotals({ runId, db: db.prisma });
    expect(totals).toEqual(sums);
    expect(totals.USD! >= 90400n + 12345n).toBe(true);
  });

  it('bulk-resolves all or nothing', async () => {
    const rows = await Promise.all(['TX1004', 'TX1005', 'TX1006'].map(row));
    const resolved = await row('TX1011');
    await expect(bulkResolve([...rows, resolved].map((r) => ({ id: r.id, version: r.version })), { action: 'apply_recommended', reason: 'Amounts differ: fail and refund' }, reviewer, db.prisma)).rejects.toThrow(/TX1011 is already resolved/);
    for (const r of rows) expect((await row(r.key)).state).toBe('open');
    const out = await bulkResolve(rows.map((r) => ({ id: r.id, version: r.version })), { action: 'apply_recommended', reason: 'Amounts differ: fail and refund' }, reviewer, db.prisma);
    expect(out.resolved).toBe(3);
    for (const r of rows) expect(await row(r.key)).toMatchObject({ state: 'resolved', finalStatus: 'Failed' });
    expect(await db.prisma.auditLog.count({ where: { action: 'discrepancy.resolve', entityId: { in: rows.map((r) => String(r.id)) } } })).toBe(3);
  });

  it('undoes within the window, audited; refuses after it', async () => {
    const r = await row('TX1004');
    await undoResolution(r.id, reviewer, { db: db.prisma });
    expect(await row('TX1004')).toMatchObject({ state: 'open', finalStatus: null, finalAmountMinor: null });
    expect(await db.prisma.auditLog.count({ where: { action: 'discrepancy.undo', entityId: String(r.id) } })).toBe(1);
    await expect(undoResolution(r.id, reviewer, { db: db.prisma })).rejects.toBeInstanceOf(ReviewError);
    const s = await row('TX1005');
    const later = new Date(Date.now() + 16 * 60_000);
    await expect(undoResolution(s.id, reviewer, { db: db.prisma, now: later })).rejects.toThrow(/undo window \(15 minutes\) has passed/);
    expect((await row('TX1005')).state).toBe('resolved');
  });

  it('refuses "apply recommended" when the procedure has no final status to apply', async () => {
    const r = await row('TX1010'); // manual_review
    await expect(resolveDiscrepancy(r.id, r.version, { action: 'apply_recommended', reason: 'try' }, reviewer, db.prisma)).rejects.toThrow(/sets no final status/);
    await resolveDiscrepancy(r.id, r.version, { action: 'escalate', reason: 'Gateway Paid with nothing at the bank' }, reviewer, db.prisma);
    expect((await row('TX1010')).state).toBe('escalated');
  });

  it('exports the filtered rows with formula-injection-safe cells', async () => {
    const r = await row('TX1016');
    await resolveDiscrepancy(r.id, r.version, { action: 'manual', status: 'Paid', amountMinor: '100', reason: 'fix' }, reviewer, db.prisma);
    // A key that begins with '=' (as a hostile export could hold) is neutralised.
    await db.prisma.runResult.update({ where: { id: r.id }, data: { key: '=HYPERLINK("http://x")' } });
    let csv = '';
    for await (const chunk of exportDiscrepanciesCsv(runId, parseDiscrepancyQuery({ cls: 'all', sort: 'key', dir: 'asc' }), { db: db.prisma })) csv += chunk;
    const lines = csv.trim().split('\n');
    expect(lines[0]).toMatch(/^key,class,reasons,severity/);
    expect(lines).toHaveLength(26);
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
    let critical = '';
    for await (const chunk of exportDiscrepanciesCsv(runId, parseDiscrepancyQuery({ severity: 'critical' }), { db: db.prisma })) critical += chunk;
    expect(critical.trim().split('\n')).toHaveLength(6);
    await db.prisma.runResult.update({ where: { id: r.id }, data: { key: 'TX1016' } });
  });

  it('shows the backlog by age and compares runs by state', async () => {
    const buckets = await backlogBuckets(runId, { db: db.prisma, now: new Date('2024-07-31T00:00:00Z') });
    const open = await db.prisma.runResult.count({ where: { runId, state: { in: ['open', 'in_review', 'escalated'] } } });
    expect(buckets.reduce((n, b) => n + b.count, 0)).toBe(open);
    expect(buckets.find((b) => b.label === '0–7 days')!.count).toBeGreaterThan(0);
    const ids = await db.prisma.source.findMany({ orderBy: { name: 'desc' } });
    const second = await startRun({ sources: [{ sourceId: ids.find((s) => s.name === 'Gateway')!.id }, { sourceId: ids.find((s) => s.name === 'Bank')!.id }] }, reviewer, { db: db.prisma, wait: true });
    const diff = await compareRuns(runId, second.id, { db: db.prisma });
    // Fresh run: the keys resolved by people here are open there.
    expect(diff.counts.changed).toBeGreaterThan(0);
    expect(diff.changes.find((c) => c.key === 'TX1011')).toMatchObject({ kind: 'changed', fields: ['state'], before: { state: 'resolved' }, after: { state: 'open' } });
  });
});
