/**
 * ROMI settings and the channel list, on SQLite and PostgreSQL: channel values count as written until a
 * person maps them (a suggestion is only offered), each mapping change is audited; a reconciliation's
 * settings are validated and audited; the old PAIDLINE_ROMI_JOIN is carried over once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciliation } from '@/lib/features/ledger';
import { channelValues, loadChannelMap, saveChannelMapping } from '@/lib/features/romi/channel-map';
import { carryOverRomiJoinVariable, saveRomiSettings } from '@/lib/features/romi/configure';
import { parseRomiSettings } from '@/lib/features/romi/settings';
import { ensureDefaultRuleSet } from '@/lib/features/runs/rulesets';
import { insertRecords, type RecordRow } from '@/lib/server/db/record-insert';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor } from './review-fixtures';

describe.each(DATABASE_KINDS)('ROMI settings and the channel list on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => db?.drop());

  async function records(name: string, sourceKind: string, dataset: string, rows: { key: string; attrs: Record<string, string> }[]) {
    const s = await db.prisma.source.create({ data: { name, kind: sourceKind } });
    const v = await db.prisma.sourceProfileVersion.create({ data: { sourceId: s.id, version: 1, profile: JSON.stringify({ dataset }) } });
    const ing = await db.prisma.ingestion.create({ data: { sourceId: s.id, profileVersionId: v.id, channel: 'upload', status: 'committed', rowsValid: rows.length } });
    await insertRecords(db.prisma, rows.map((r, i): RecordRow => ({ sourceId: s.id, profileVersionId: v.id, ingestionId: ing.id, dataset, eventId: null, fileSha256: null, line: i + 2, key: r.key, txId: r.key, date: '2025-01-01', occurredAt: null, amountMinor: 1000, currency: 'USD', status: dataset === 'spend' ? '' : 'Paid', code: '', attrs: JSON.stringify(r.attrs), raw: null })));
    return s;
  }

  it('counts channels as written, suggests, and maps only what a person saves, audited', async () => {
    await records('CRM', 'crm', 'deals', [{ key: 'D1', attrs: { leadSource: 'Paid Search' } }, { key: 'D2', attrs: { leadSource: 'Paid Search' } }, { key: 'D3', attrs: { leadSource: 'Organic Search' } }]);
    await records('Google Ads', 'ads', 'spend', [{ key: 'BRAND|2025-01-01', attrs: { campaign: 'Brand' } }]);
    const before = await channelValues(db.prisma);
    expect(before.map((v) => [v.origin, v.value, v.rows, v.channel, v.mapped, v.suggestion])).toEqual([
      ['deals', 'Paid Search', 2, 'Paid Search', false, null],
      ['deals', 'Organic Search', 1, 'Organic Search', false, null],
      ['spend', 'Google Ads', 1, 'Google Ads', false, 'Paid Search'],
    ]);
    // Nothing is renamed by itself: not "Organic search", not "Google Ads" for the CRM's Paid Search.
    const asWritten = await loadChannelMap(db.prisma);
    expect([asWritten('Paid Search'), asWritten(' organic search '), asWritten('Google Ads')]).toEqual(['Paid Search', 'organic search', 'Google Ads']);

    const analyst = await makeActor(db.prisma, 'analyst');
    expect(await saveChannelMapping([{ value: 'Google Ads', channel: 'Paid Search' }, { value: 'Organic Search', channel: '' }], analyst, db.prisma)).toBe(1);
    const mapped = await loadChannelMap(db.prisma);
    expect([mapped('google ads'), mapped('Paid Search')]).toEqual(['Paid Search', 'Paid Search']);
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'channels.map' } });
    expect([JSON.parse(audit.before!), JSON.parse(audit.after!), audit.actorEmail]).toEqual([{ 'Google Ads': null }, { 'Google Ads': 'Paid Search' }, analyst.email]);
    // The same again changes nothing; an empty channel removes the mapping.
    expect(await saveChannelMapping([{ value: 'Google Ads', channel: 'Paid Search' }], analyst, db.prisma)).toBe(0);
    expect(await saveChannelMapping([{ value: 'Google Ads', channel: '' }], analyst, db.prisma)).toBe(1);
    expect(await db.prisma.channelAlias.count()).toBe(0);
    // An executive may not change it.
    await expect(saveChannelMapping([{ value: 'Google Ads', channel: 'X' }], await makeActor(db.prisma, 'executive'), db.prisma)).rejects.toThrow();
    await expect(saveChannelMapping([{ value: '', channel: 'X' }], analyst, db.prisma)).rejects.toThrow('A channel value is empty.');
  });

  it('validates and audits a reconciliation\'s ROMI settings, and carries PAIDLINE_ROMI_JOIN over once', async () => {
    const gw = await db.prisma.source.create({ data: { name: 'GW', kind: 'gateway' } });
    const bank = await db.prisma.source.create({ data: { name: 'BK', kind: 'bank' } });
    const ruleSet = await ensureDefaultRuleSet(db.prisma);
    const rec = await createReconciliation({ name: 'Cards', sourceIds: [gw.id, bank.id], ruleSetName: ruleSet.name }, null, db.prisma);
    const other = await createReconciliation({ name: 'Other', sourceIds: [bank.id, gw.id], ruleSetName: ruleSet.name }, null, db.prisma);
    const analyst = await makeActor(db.prisma, 'analyst', 'analyst');
    await expect(saveRomiSettings(rec.id, { dealSourceIds: ['nope'] }, analyst, db.prisma)).rejects.toThrow('One of the chosen deal or spend sources no longer exists.');
    await expect(saveRomiSettings(rec.id, { basis: 'deal', dealConditions: [{ field: 'Payment Status', values: [] }] }, analyst, db.prisma)).rejects.toThrow('Choose at least one value.');
    expect((await saveRomiSettings(rec.id, { join: { payment: 'key', deal: 'Order Number' } }, analyst, db.prisma)).changed).toBe(true);
    expect((await saveRomiSettings(rec.id, { join: { payment: 'key', deal: 'Order Number' } }, analyst, db.prisma)).changed).toBe(false);
    expect(await db.prisma.auditLog.count({ where: { action: 'reconciliation.romi', entityId: rec.id } })).toBe(1);

    // Only the reconciliation without settings takes the variable's join; a second start changes nothing.
    expect(await carryOverRomiJoinVariable('email', db.prisma)).toBe(1);
    expect(await carryOverRomiJoinVariable('email', db.prisma)).toBe(0);
    expect(await carryOverRomiJoinVariable('bogus', db.prisma)).toBe(0);
    const stored = async (id: string) => parseRomiSettings((await db.prisma.reconciliation.findUniqueOrThrow({ where: { id } })).romi).join;
    expect(await stored(other.id)).toEqual({ payment: 'email', deal: 'email' });
    expect(await stored(rec.id)).toEqual({ payment: 'key', deal: 'Order Number' });
  });
});
