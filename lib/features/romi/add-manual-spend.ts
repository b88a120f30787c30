import { z } from 'zod';
import { currencyDigits, parseAmount } from '@/lib/reconcile/money';
import { IngestProfileSchema } from '@/lib/features/ingestion/profile';
import { getPrisma } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { dashboardRun } from './romi-queries';
import { rebuildRomi } from './rebuild-romi';
import { InvalidRequestError } from '@/lib/server/core/app-error';
import { loggerFor } from '@/lib/server/observability/logger';

type Client = ReturnType<typeof getPrisma>;
type Actor = { id: string; email: string };

export { MANUAL_SPEND_SOURCE } from '@/lib/domain/freshness';
import { MANUAL_SPEND_SOURCE } from '@/lib/domain/freshness';

export const manualSpendSchema = z.object({
  date: z.iso.date({ error: 'Enter the day the money was spent (YYYY-MM-DD).' }).refine((d) => d >= '2000-01-01' && d <= '2100-12-31', 'Enter a date between 2000 and 2100.'),
  channel: z.string().trim().min(1, 'Enter the channel, e.g. "Podcast ads".').max(80, 'Channels are at most 80 characters.'),
  campaign: z.string().trim().min(1, 'Enter the campaign.').max(120, 'Campaigns are at most 120 characters.'),
  amount: z.string().trim().min(1, 'Enter the amount spent.'),
  currency: z.string().trim().toUpperCase().regex(/^[A-Z]{3}$/, 'Use a three-letter currency code such as USD.'),
  note: z.string().trim().max(500).default(''),
});
export type ManualSpendInput = z.input<typeof manualSpendSchema>;

/** An amount that cannot be recorded; the form shows the message against the amount field. */
function amountError(message: string): InvalidRequestError {
  return new InvalidRequestError(message, { fields: { amount: message } });
}

/**
 * Records spend that has no export (a sponsorship, a trade show...) as a spend row of the
 * "Manual spend" source: a committed one-row ingestion with full provenance, audited in
 * the same transaction. The dashboard's figures are rebuilt in the background.
 */
export async function addManualSpend(input: ManualSpendInput, actor: Actor, db: Client = getPrisma()): Promise<{ recordId: number; amountMinor: bigint }> {
  const data = manualSpendSchema.parse(input);
  const parsed = parseAmount(data.amount, { decimalSeparator: '.', thousandsSeparator: ',', units: 'major', sign: 'as_is' }, currencyDigits(data.currency));
  if (!parsed.ok) throw amountError(`The amount "${data.amount}" is not a number like 1,250.00.`);
  if (parsed.value <= 0) throw amountError('Spend must be more than zero.');
  if (parsed.value > 1e13) throw amountError('That amount is implausibly large; check it.');

  const result = await db.$transaction(async (tx) => {
    let source = await tx.source.findUnique({ where: { name: MANUAL_SPEND_SOURCE } });
    if (!source) {
      source = await tx.source.create({ data: { name: MANUAL_SPEND_SOURCE, kind: 'ads', description: 'Spend entered by hand', createdById: actor.id } });
      await writeAudit(tx, { actor, action: 'source.create', entityType: 'Source', entityId: source.id, after: { name: source.name, kind: 'ads' } });
    }
    let version = await tx.sourceProfileVersion.findFirst({ where: { sourceId: source.id }, orderBy: { version: 'desc' } });
    if (!version) {
      const profile = IngestProfileSchema.parse({
        dataset: 'spend',
        columns: { id: 'key', amount: 'amount', date: 'date', currency: 'currency' },
        attributes: { channel: 'channel', campaign: 'campaign' },
        expectedColumns: ['key', 'date', 'channel', 'campaign', 'amount', 'currency'],
      });
      version = await tx.sourceProfileVersion.create({
        data: { sourceId: source.id, version: 1, profile: JSON.stringify(profile), note: 'Manual entry', createdById: actor.id },
      });
    }
    const key = `${data.date}|${data.channel}|${data.campaign}`.toUpperCase();
    const ingestion = await tx.ingestion.create({
      data: {
        sourceId: source.id,
        profileVersionId: version.id,
        channel: 'manual',
        status: 'committed',
        rowsTotal: 1,
        rowsValid: 1,
        createdById: actor.id,
        startedAt: new Date(),
        finishedAt: new Date(),
        message: data.note || null,
      },
    });
    const record = await tx.sourceRecord.create({
      data: {
        sourceId: source.id,
        ingestionId: ingestion.id,
        profileVersionId: version.id,
        dataset: 'spend',
        line: 1,
        key,
        txId: `${data.channel} / ${data.campaign}`,
        occurredAt: new Date(`${data.date}T00:00:00Z`),
        date: data.date,
        amountMinor: BigInt(parsed.value),
        currency: data.currency,
        status: '',
        code: '',
        attrs: JSON.stringify({ channel: data.channel, campaign: data.campaign }),
        raw: JSON.stringify({ ...data, enteredBy: actor.email }),
      },
    });
    await tx.source.update({ where: { id: source.id }, data: { lastIngestedAt: new Date() } });
    await writeAudit(tx, {
      actor,
      action: 'spend.manual.add',
      entityType: 'SourceRecord',
      entityId: String(record.id),
      after: { date: data.date, channel: data.channel, campaign: data.campaign, amountMinor: parsed.value, currency: data.currency, note: data.note },
    });
    return { recordId: record.id, amountMinor: BigInt(parsed.value) };
  });

  // The dashboard reads pre-aggregates: rebuild the current run's figures so the entry shows up.
  const run = await dashboardRun(db);
  if (run) void rebuildRomi(run.runId, { db }).catch((e) => loggerFor('romi', { runId: run.runId }).error({ err: e }, 'ROMI rebuild after manual spend failed'));
  return result;
}
