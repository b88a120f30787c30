/**
 * A company starting empty is guided through the steps that lead to its ROMI dashboard, each ticked off
 * as the data shows it done: payment sources uploaded, a reconciliation comparing them, a CRM and ad
 * spend, the join of payments to deals, and the ledger reconciled.
 */
import { profileDataset } from '@/lib/domain/records';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { recordCountsBySource } from '@/lib/server/db/source-records';
import { parseRomiSettings } from './settings';

export type FirstRunStep = { id: string; title: string; detail: string; done: boolean; href: string };


export async function firstRunSteps(db: Client = getPrisma()): Promise<FirstRunStep[]> {
  const [sources, reconciliations] = await Promise.all([
    db.source.findMany({ where: { archivedAt: null }, select: { id: true, versions: { orderBy: { version: 'desc' }, take: 1, select: { profile: true } } } }),
    db.reconciliation.findMany({ where: { archivedAt: null }, orderBy: { createdAt: 'asc' }, select: { id: true, ledgerRunId: true, romi: true, lastPassAt: true } }),
  ]);
  const rowsOf = await recordCountsBySource(db, sources.map((s) => s.id));
  const withData = (dataset: string) => sources.filter((s) => (rowsOf.get(s.id) ?? 0) > 0 && profileDataset(s.versions[0]?.profile) === dataset).length;
  const rec = reconciliations[0];
  const runHref = rec ? `/runs/${rec.ledgerRunId}` : '/runs';
  const romiSet = reconciliations.some((r) => JSON.stringify(parseRomiSettings(r.romi)) !== JSON.stringify(parseRomiSettings('{}')));
  return [
    { id: 'payments', title: 'Upload your payment exports', detail: 'Add a source for each system (payment processor, bank, ERP) and upload an export: Paidline suggests the mapping.', done: withData('payments') >= 2, href: '/sources' },
    { id: 'reconciliation', title: 'Create the reconciliation', detail: 'Choose the sources to compare, the processors on one side and the bank on the other, and the days the bank may book later.', done: reconciliations.length > 0, href: '/runs' },
    { id: 'crm', title: 'Upload your CRM deals and ad spend', detail: 'A CRM export of opportunities or deals, and a daily report from each ad platform.', done: withData('deals') > 0 && withData('spend') > 0, href: '/sources' },
    { id: 'join', title: 'Link payments to deals', detail: 'On the reconciliation\'s page: which field joins a payment to its deal, and when revenue counts; the preview shows what links before you save.', done: romiSet, href: runHref },
    { id: 'channels', title: 'Name your channels', detail: 'Map each ad platform to the channel your CRM uses (Google Ads spend is your "Paid Search").', done: (await db.channelAlias.count()) > 0, href: '/sources/channels' },
  ];
}
