import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addManualSpend, MANUAL_SPEND_SOURCE } from '@/lib/features/romi/add-manual-spend';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

describe.each(DATABASE_KINDS)('manual spend on %s', (kind) => {
  let db: TestDatabase;
  let actor: { id: string; email: string };
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    actor = await db.prisma.user.create({ data: { email: 'ana@example.com', name: 'Ana', role: 'analyst', passwordHash: 'x' } });
  });
  afterAll(async () => db?.drop());

  it('stores a spend row with provenance and its audit row, under one Manual spend source', async () => {
    const first = await addManualSpend({ date: '2026-09-15', channel: 'Podcast ads', campaign: 'Q3', amount: '1,250.00', currency: 'usd' }, actor, db.prisma);
    expect(first.amountMinor).toBe(125000n);
    await addManualSpend({ date: '2026-09-16', channel: 'Events', campaign: 'Trade show', amount: '99.5', currency: 'EUR', note: 'booth' }, actor, db.prisma);
    const sources = await db.prisma.source.findMany({ where: { name: MANUAL_SPEND_SOURCE } });
    expect(sources).toHaveLength(1);
    const rows = await db.prisma.sourceRecord.findMany({ where: { sourceId: sources[0]!.id }, orderBy: { id: 'asc' } });
    const ingestions = new Map((await db.prisma.ingestion.findMany({ where: { sourceId: sources[0]!.id } })).map((i) => [i.id, i]));
    expect(rows.map((r) => [r.dataset, r.date, r.amountMinor, r.currency, JSON.parse(r.attrs!)])).toEqual([
      ['spend', '2026-09-15', 125000n, 'USD', { channel: 'Podcast ads', campaign: 'Q3' }],
      ['spend', '2026-09-16', 9950n, 'EUR', { channel: 'Events', campaign: 'Trade show' }],
    ]);
    expect(rows.every((r) => ingestions.get(r.ingestionId!)?.status === 'committed' && ingestions.get(r.ingestionId!)?.channel === 'manual')).toBe(true);
    const audits = await db.prisma.auditLog.findMany({ where: { action: 'spend.manual.add' }, orderBy: { createdAt: 'asc' } });
    expect(audits.map((a) => [a.actorId, a.entityId])).toEqual(rows.map((r) => [actor.id, String(r.id)]));
  });

  it('refuses bad input with a clear message and writes nothing', async () => {
    const before = await db.prisma.sourceRecord.count();
    await expect(addManualSpend({ date: '15/09/2026', channel: 'X', campaign: 'Y', amount: '1', currency: 'USD' }, actor, db.prisma)).rejects.toThrow(/YYYY-MM-DD/);
    await expect(addManualSpend({ date: '2026-09-15', channel: 'X', campaign: 'Y', amount: '-5', currency: 'USD' }, actor, db.prisma)).rejects.toThrow(/more than zero/);
    await expect(addManualSpend({ date: '2026-09-15', channel: 'X', campaign: 'Y', amount: 'ten', currency: 'USD' }, actor, db.prisma)).rejects.toThrow(/not a number/);
    await expect(addManualSpend({ date: '2026-09-15', channel: 'X', campaign: 'Y', amount: '1', currency: 'dollars' }, actor, db.prisma)).rejects.toThrow(/three-letter/);
    expect(await db.prisma.sourceRecord.count()).toBe(before);
  });
});
