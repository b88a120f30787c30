'use server';

import { z } from 'zod';
import { startRun } from '@/lib/features/runs';
import { archiveReconciliation, createReconciliation, requestFullPass, requestRomiRebuild, updateReconciliation } from '@/lib/features/ledger';
import { RomiSettingsSchema } from '@/lib/features/romi/settings';
import { MatchingSchema } from '@/lib/features/ledger/matching';
import { previewMatching } from '@/lib/features/ledger/matching-preview';
import { previewRomiJoin, saveRomiSettings } from '@/lib/features/romi/configure';
import { defineAction, defineFormAction, issueMessages } from '@/lib/server/pipeline/action';

const startSchema = z.object({
  sources: z.array(z.object({ sourceId: z.string(), ingestionIds: z.array(z.string()) })),
  ruleSetId: z.string().optional(),
  dateFrom: z.string().optional(),
  dateTo: z.string().optional(),
});

/** Starts a run in the background and returns at once; the run page shows its progress. */
export const startRunAction = defineFormAction(
  {
    name: 'runs.start',
    permission: 'runs:start',
    input: startSchema,
    invalidMessage: issueMessages.plain(),
    revalidate: '/runs',
    form: (formData) => ({
      sources: formData
        .getAll('source')
        .map(String)
        .filter(Boolean)
        .map((sourceId) => ({ sourceId, ingestionIds: formData.getAll(`ingestion:${sourceId}`).map(String).filter(Boolean) })),
      ruleSetId: String(formData.get('ruleSetId') ?? '') || undefined,
      dateFrom: String(formData.get('dateFrom') ?? '') || undefined,
      dateTo: String(formData.get('dateTo') ?? '') || undefined,
    }),
  },
  async (input, { user }) => {
    const { id } = await startRun(input, user);
    return { id };
  },
);

const reconciliationSchema = z.object({ name: z.string(), description: z.string(), sourceIds: z.array(z.string()), ruleSetName: z.string(), with: z.record(z.string(), z.string()) });

/** The form's roles: fields with:<sourceId> naming the earlier source it plays its role with (empty: a side of its own). */
function withFrom(formData: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of formData.entries()) {
    const m = /^with:(.+)$/.exec(name);
    if (m && String(value)) out[m[1]!] = String(value);
  }
  return out;
}

/** Creates a reconciliation and queues its first full pass; new data then reconciles into it by itself. */
export const createReconciliationAction = defineFormAction(
  {
    name: 'reconciliations.create',
    permission: 'reconciliations:manage',
    input: reconciliationSchema,
    invalidMessage: issueMessages.plain(),
    revalidate: '/runs',
    form: (formData) => ({
      name: String(formData.get('name') ?? ''),
      description: String(formData.get('description') ?? ''),
      sourceIds: formData.getAll('source').map(String).filter(Boolean),
      ruleSetName: String(formData.get('ruleSetName') ?? ''),
      with: withFrom(formData),
    }),
  },
  async (input, { user }) => {
    const created = await createReconciliation(input, user);
    await requestFullPass(created.id, 'person', null, { actor: user });
    return { id: created.id, ledgerRunId: created.ledgerRunId };
  },
);

/** Reconciles every key of a reconciliation again (after a rule-set change, say); decisions on unchanged facts stay. */
export const reconcileNowAction = defineFormAction(
  { name: 'reconciliations.reconcile_now', permission: 'runs:start', input: z.object({ id: z.string().min(1) }), revalidate: '/runs', form: (formData) => ({ id: String(formData.get('id') ?? '') }) },
  async (input, { user }) => {
    await requestFullPass(input.id, 'person', null, { actor: user });
    return { queued: true };
  },
);

const dayCount = z.coerce.number({ error: 'Days must be a whole number.' }).int('Days must be a whole number.').min(-366, 'A window reaches at most 366 days.').max(366, 'A window reaches at most 366 days.');
const editSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  addSourceIds: z.array(z.string()),
  with: z.record(z.string(), z.string()),
  ruleSetName: z.string(),
  matching: z.object({
    attempts: z.array(z.string()),
    amountToleranceMinor: z.coerce.number({ error: 'The amount tolerance must be a number of cents.' }).int('The amount tolerance is a whole number of cents.').min(0, 'The amount tolerance cannot be negative.').max(100_000_000),
    amountTolerancePercent: z.coerce.number({ error: 'The percentage must be a number.' }).min(0, 'The percentage cannot be negative.').max(100, 'The percentage is at most 100.'),
    dateWindows: z.record(z.string(), z.object({ min: dayCount, max: dayCount }).refine((w) => w.min <= w.max, 'A date window\'s first day must not come after its last day.')),
  }),
});

/** The form's date windows: fields window-min-<sourceId> and window-max-<sourceId>. */
function windowsFrom(formData: FormData): Record<string, { min: string; max: string }> {
  const out: Record<string, { min: string; max: string }> = {};
  for (const [name, value] of formData.entries()) {
    const m = /^window-(min|max)-(.+)$/.exec(name);
    if (!m) continue;
    const w = (out[m[2]!] ??= { min: '0', max: '0' });
    w[m[1] as 'min' | 'max'] = String(value).trim() || '0';
  }
  return out;
}

/** Saves a reconciliation's name, rule set, matching or new sources; a new rule set, matching or source queues a full pass. */
export const updateReconciliationAction = defineFormAction(
  {
    name: 'reconciliations.update',
    permission: 'reconciliations:manage',
    input: editSchema,
    invalidMessage: issueMessages.plain(),
    revalidate: '/runs',
    form: (formData) => ({
      id: String(formData.get('id') ?? ''),
      name: String(formData.get('name') ?? ''),
      description: String(formData.get('description') ?? ''),
      addSourceIds: formData.getAll('addSource').map(String).filter(Boolean),
      with: withFrom(formData),
      ruleSetName: String(formData.get('ruleSetName') ?? ''),
      matching: {
        attempts: formData.getAll('attempts').map(String).filter(Boolean),
        amountToleranceMinor: String(formData.get('amountToleranceMinor') ?? '0').trim() || '0',
        amountTolerancePercent: String(formData.get('amountTolerancePercent') ?? '0').trim() || '0',
        dateWindows: windowsFrom(formData),
      },
    }),
  },
  async (input, { user }) => {
    const { summary, fullPass } = await updateReconciliation(input, user);
    if (fullPass) await requestFullPass(summary.id, fullPass, null, { actor: user });
    return { fullPass: fullPass !== null };
  },
);

/** Archives a reconciliation: its ledger stops receiving data and the dashboard stops reading it. */
export const archiveReconciliationAction = defineFormAction(
  { name: 'reconciliations.archive', permission: 'reconciliations:manage', input: z.object({ id: z.string().min(1) }), revalidate: '/runs', form: (formData) => ({ id: String(formData.get('id') ?? '') }) },
  async (input, { user }) => {
    await archiveReconciliation(input.id, user);
    return { archived: true };
  },
);

const romiSettingsInput = z.tuple([z.string().min(1), RomiSettingsSchema]);

/** What a reconciliation's ROMI settings would count, before saving (the form's live preview). */
export const previewRomiAction = defineAction(
  { name: 'reconciliations.romi_preview', permission: 'reconciliations:manage', input: z.tuple([z.string().min(1), RomiSettingsSchema, z.array(z.string().max(60)).max(10)]) },
  async ([id, settings, valuesOf]) => previewRomiJoin(id, settings, undefined, { valuesOf }),
);

/** Saves a reconciliation's ROMI settings; its figures are rebuilt in the background. */
export const saveRomiSettingsAction = defineAction(
  { name: 'reconciliations.romi_save', permission: 'reconciliations:manage', input: romiSettingsInput, revalidate: '/dashboard' },
  async ([id, settings], { user }) => {
    const { changed } = await saveRomiSettings(id, settings, user);
    if (changed) await requestRomiRebuild(id);
    return { changed };
  },
);

/** What new matching would change (classes of the ledger's entries), before saving. */
export const previewMatchingAction = defineAction(
  { name: 'reconciliations.matching_preview', permission: 'reconciliations:manage', input: z.tuple([z.string().min(1), MatchingSchema]) },
  async ([id, matching]) => previewMatching(id, matching),
);
