/**
 * A ledger pass moves the ROMI pre-aggregate by the difference of the entries it touched, without
 * rebuilding it, and the result is exactly what a full rebuild gives: on the demo company (deals
 * linked by payment reference, three attribution models, spend), a new gateway file brings a payment
 * for a deal that had none, one with no deal, and a new amount for a payment still in review.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestCsvText, ROMI_DEMO_RECONCILIATION, ROMI_DEMO_SOURCES, seedRomiDemo } from '@/lib/demo/seed-data';
import { expectCountsMatchEntries } from './ledger-counts';
import { rebuildRomi } from '@/lib/features/romi/rebuild-romi';
import { creditModelsOf } from '@/lib/romi';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

async function passFor(db: TestDatabase, triggerRef: string) {
  for (let i = 0; i < 300; i++) {
    const pass = await db.prisma.reconciliationPass.findFirst({ where: { triggerRef, status: { in: ['completed', 'failed'] } } });
    if (pass) return pass;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no pass for ${triggerRef}`);
}

describe.each(DATABASE_KINDS)('incremental ROMI of a ledger on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await seedRomiDemo(db.prisma);
  }, 180_000);
  afterAll(async () => db?.drop());

  const snapshot = async (runId: string) => {
    const daily = await db.prisma.romiDaily.findMany({ where: { runId }, select: { model: true, day: true, channel: true, campaign: true, currency: true, revenueMinor: true, refundMinor: true, notCountedMinor: true, spendMinor: true, leadsMilli: true, dealsMilli: true, paidDealsMilli: true, paidTx: true } });
    const rows = daily
      .filter((d) => d.revenueMinor || d.refundMinor || d.notCountedMinor || d.spendMinor || d.leadsMilli || d.dealsMilli || d.paidDealsMilli || d.paidTx)
      .map((d) => JSON.stringify(d, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)))
      .sort();
    const credits = (await db.prisma.romiCredit.findMany({ where: { runId, kind: 'payment' }, select: { model: true, ref: true, dealKey: true, day: true, channel: true, campaign: true, currency: true, weightPpm: true, link: true } }))
      .map((c) => JSON.stringify(c))
      .sort();
    const build = await db.prisma.romiBuild.findUniqueOrThrow({ where: { runId } });
    return { rows, credits, linkedPayments: build.linkedPayments, payments: build.payments };
  };

  it('moves the aggregate by the entries a pass touched, exactly as a rebuild would', async () => {
    const rec = await db.prisma.reconciliation.findUniqueOrThrow({ where: { name: ROMI_DEMO_RECONCILIATION } });
    const runId = rec.ledgerRunId;
    // A deal won today whose payment has not arrived: deals count at once (the aggregate is rebuilt with them).
    const hubspot = ROMI_DEMO_SOURCES[3];
    const built = (await db.prisma.romiBuild.findUniqueOrThrow({ where: { runId } })).builtAt;
    const dealCsv = 'Record ID,Deal Name,Amount,Deal Stage,Close Date,Deal Owner,Company Name,Pipeline,Create Date,Associated Company IDs,Associated Contact IDs,Lead source,Original Source,Campaign,UTM Source,UTM Campaign,Payment Reference,Contact Email\n'
      + '39001,Initech - Team plan,1234.56,closedwon,2026-10-19 12:00,Sam Seller,Initech,default,2026-10-02 09:30,,,Paid Social,Paid Social,Retargeting - Cart,Paid Social,Retargeting - Cart,PAY-59001,buyer39001@initech.example\n';
    expect((await ingestCsvText(db.prisma, { ...hubspot, file: 'hubspot-late.csv' }, dealCsv)).ingested).toBe(true);
    for (let i = 0; i < 300 && (await db.prisma.romiBuild.findUniqueOrThrow({ where: { runId } })).builtAt.getTime() === built.getTime(); i++) await new Promise((r) => setTimeout(r, 100));
    const unpaidRef = 'PAY-59001';
    // An open entry linked to a deal.
    const openLinked = await db.prisma.runResult.findFirstOrThrow({
      where: { runId, state: 'open', id: { in: (await db.prisma.romiCredit.findMany({ where: { runId, kind: 'payment', dealKey: { not: null }, model: { in: creditModelsOf('last_touch') } }, select: { ref: true } })).map((c) => c.ref) } },
      orderBy: { key: 'asc' },
    });
    // Settled Paid payments, one with no deal and one a deal's: the gateway now says another amount, so both reopen.
    const paidCredits = async (linked: boolean) =>
      (await db.prisma.romiCredit.findMany({ where: { runId, kind: 'payment', model: { in: creditModelsOf('last_touch') }, dealKey: linked ? { not: null } : null }, select: { ref: true } })).map((c) => c.ref);
    const settledUnlinked = await db.prisma.runResult.findFirstOrThrow({ where: { runId, state: 'resolved', finalStatus: 'Paid', id: { in: await paidCredits(false) } }, orderBy: { key: 'asc' } });
    const settledLinked = await db.prisma.runResult.findFirstOrThrow({ where: { runId, state: 'resolved', finalStatus: 'Paid', id: { in: await paidCredits(true) } }, orderBy: { key: 'asc' } });
    const before = await db.prisma.romiBuild.findUniqueOrThrow({ where: { runId } });
    const notCountedBefore = (await db.prisma.romiDaily.aggregate({ where: { runId, model: 'last_touch' }, _sum: { notCountedMinor: true } }))._sum.notCountedMinor ?? 0n;

    const gateway = ROMI_DEMO_SOURCES[0];
    const csv = [
      'Reference,Date,Amount,Currency,Status,Customer Email',
      `${unpaidRef},2026-10-20,1234.56,USD,Completed,late-payer@example.org`,
      'SELF-NEW-1,2026-10-21,99.00,USD,Completed,self-new@example.org',
      `${openLinked.key},${openLinked.date},${(Number(openLinked.amountMinor) / 100 + 10).toFixed(2)},USD,Completed,x@example.org`,
      `${settledUnlinked.key},${settledUnlinked.date},${(Number(settledUnlinked.amountMinor) / 100 + 1).toFixed(2)},USD,Completed,x@example.org`,
      `${settledLinked.key},${settledLinked.date},${(Number(settledLinked.amountMinor) / 100 + 1).toFixed(2)},USD,Completed,x@example.org`,
    ].join('\n');
    // The bank and the ERP have the new payment for the deal and one of the self-serve ones: both keys
    // match in all three systems once the gateway file arrives, and the automatic rule settles them Paid.
    const bank = ROMI_DEMO_SOURCES[1];
    const bankCsv = ['Reference,Date,Amount,Currency,Status,Customer Email', `${unpaidRef},2026-10-20,1234.56,USD,Completed,late-payer@example.org`, 'SELF-NEW-1,2026-10-21,99.00,USD,Completed,self-new@example.org'].join('\n');
    expect((await ingestCsvText(db.prisma, { ...bank, file: 'bank-late.csv' }, `${bankCsv}\n`)).ingested).toBe(true);
    const bankIngestion = await db.prisma.ingestion.findFirstOrThrow({ where: { fileName: 'bank-late.csv' } });
    expect(await passFor(db, bankIngestion.id)).toMatchObject({ status: 'completed', created: 2 });
    expect((await ingestCsvText(db.prisma, { ...ROMI_DEMO_SOURCES[2], file: 'erp-late.csv' }, `${bankCsv.replace(/Completed/g, 'Paid')}\n`)).ingested).toBe(true);
    const erpIngestion = await db.prisma.ingestion.findFirstOrThrow({ where: { fileName: 'erp-late.csv' } });
    expect(await passFor(db, erpIngestion.id)).toMatchObject({ status: 'completed', changed: 2 });
    const ingested = await ingestCsvText(db.prisma, { ...gateway, file: 'gateway-late.csv' }, `${csv}\n`);
    expect(ingested.ingested).toBe(true);
    const ingestion = await db.prisma.ingestion.findFirstOrThrow({ where: { fileName: 'gateway-late.csv' } });
    const pass = await passFor(db, ingestion.id);
    // The two keys the bank had are no longer new; with the gateway's side they match and are settled Paid.
    expect(pass).toMatchObject({ status: 'completed', created: 0, keysRead: 5, reopened: 2, changed: 3, autoResolved: 2 });

    // Moved, not rebuilt: same build, a new revision, two more payments, one more linked.
    const after = await db.prisma.romiBuild.findUniqueOrThrow({ where: { runId } });
    expect(after.builtAt).toEqual(before.builtAt);
    expect(after.revision).toBeGreaterThan(before.revision);
    expect(after.payments).toBe(before.payments + 2);
    // The two new payments are settled Paid (revenue); not yet counted grows by the open entry's extra
    // 10.00 and the two reopened payments' new amounts (no longer counted as revenue).
    const notCountedAfter = (await db.prisma.romiDaily.aggregate({ where: { runId, model: 'last_touch' }, _sum: { notCountedMinor: true } }))._sum.notCountedMinor ?? 0n;
    expect(notCountedAfter - notCountedBefore).toBe(1000n + settledUnlinked.amountMinor + 100n + settledLinked.amountMinor + 100n);
    expect(await db.prisma.runResult.findFirstOrThrow({ where: { runId, key: 'SELF-NEW-1' } })).toMatchObject({ state: 'resolved', finalStatus: 'Paid', finalAmountMinor: 9900n });
    const linked = await db.prisma.romiCredit.findFirstOrThrow({ where: { runId, kind: 'payment', model: { in: creditModelsOf('last_touch') }, ref: (await db.prisma.runResult.findFirstOrThrow({ where: { runId, key: unpaidRef!.toUpperCase() } })).id } });
    expect(linked).toMatchObject({ dealKey: '39001', channel: 'Meta Ads', campaign: 'Retargeting - Cart' }); // the CRM's Paid Social, as the channels map it

    const incremental = await snapshot(runId);
    await rebuildRomi(runId, { db: db.prisma });
    expect(await snapshot(runId)).toEqual(incremental);    // The ledger's totals moved with the same passes.
    await expectCountsMatchEntries(db.prisma, runId);
  });
});
