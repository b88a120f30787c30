import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';

// ---------------------------------------------------------------- reading

export type WebhookRecord = {
  eventId: string;
  eventType: string;
  eventAt: Date;
  receivedAt: Date;
  key: string;
  txId: string;
  amountMinor: bigint;
  currency: string;
  status: string;
  code: string;
};

/** A source's webhook records ordered by event time (not arrival), oldest first. */
export async function webhookRecordsByEventTime(
  sourceId: string,
  opts: { key?: string; db?: Client } = {},
): Promise<WebhookRecord[]> {
  const db = opts.db ?? getPrisma();
  const records = await db.sourceRecord.findMany({
    where: { sourceId, eventId: { not: null }, ...(opts.key ? { key: opts.key } : {}) },
    select: { eventId: true, key: true, txId: true, amountMinor: true, currency: true, status: true, code: true },
  });
  if (records.length === 0) return [];
  const events = new Map<string, { eventType: string; eventAt: Date; receivedAt: Date }>();
  const ids = records.map((r) => r.eventId as string);
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.webhookEvent.findMany({
      where: { sourceId, eventId: { in: ids.slice(i, i + 500) } },
      select: { eventId: true, eventType: true, eventAt: true, receivedAt: true },
    });
    for (const r of rows) events.set(r.eventId, r);
  }
  const out: WebhookRecord[] = [];
  for (const r of records) {
    const e = events.get(r.eventId as string);
    if (!e) continue;
    out.push({ ...r, eventId: r.eventId as string, ...e });
  }
  out.sort((a, b) => a.eventAt.getTime() - b.eventAt.getTime() || a.receivedAt.getTime() - b.receivedAt.getTime() || a.eventId.localeCompare(b.eventId));
  return out;
}

/** Per key, the record of the latest event (by event time): the current state webhooks report. */
export async function currentWebhookRecords(sourceId: string, opts: { db?: Client } = {}): Promise<Map<string, WebhookRecord>> {
  const latest = new Map<string, WebhookRecord>();
  for (const r of await webhookRecordsByEventTime(sourceId, opts)) latest.set(r.key, r);
  return latest;
}
