'use server';

import { reprocessIngestion } from '@/lib/features/ingestion/reprocess-ingestion';
import { channelMappingSchema, saveChannelMapping } from '@/lib/features/romi/channel-map';
import { requestRomiRebuilds } from '@/lib/features/ledger';
import { z } from 'zod';
import { cancelIngestion } from '@/lib/features/ingestion/cancel-ingestion';
import { committedPreview, stagedColumnValues } from '@/lib/features/ingestion/column-values';
import { archiveSource, deleteSource, renameSource } from '@/lib/features/ingestion/manage-source';
import { createSource, currentProfileVersion, ensureProfileVersion, newSourceSchema } from '@/lib/features/ingestion/sources';
import { decideIngestion, startIngestion } from '@/lib/features/ingestion/process-ingestion';
import { previewIngestion } from '@/lib/features/ingestion/preview-ingestion';
import { IngestProfileSchema, type IngestProfileInput } from '@/lib/features/ingestion/profile';
import { ParseError } from '@/lib/features/ingestion/parse';
import { PRESETS } from '@/lib/features/ingestion/presets';
import { configureConnector, runPull } from '@/lib/features/ingestion/connectors/run-pull';
import { generateWebhookSecret, rotateWebhookSecret } from '@/lib/features/ingestion/webhooks/webhook-secrets';
import { refreshSchedules } from '@/lib/features/ingestion/connectors/scheduler';
import { addManualSpend, manualSpendSchema } from '@/lib/features/romi/add-manual-spend';
import { AppError, InvalidRequestError } from '@/lib/server/core/app-error';
import { defineAction, defineFormAction, type ActionResult } from '@/lib/server/pipeline/action';

export type { ActionResult } from '@/lib/server/pipeline/action';

/** Another sheet of a staged workbook that cannot be read: the upload stays open on the others. */
async function sheetReadable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ParseError) throw new AppError('unreadable', `This sheet cannot be read: ${error.message}`, { cause: error });
    throw error;
  }
}

export type CreateSourceValues = { name: string; kind: string; preset: string };
export type CreateSourceState = ActionResult<{ id: string }> | null;

// The permission first (the pipeline's order): a caller without it learns nothing, not even what the form expects.
export const createSourceAction = defineFormAction(
  {
    name: 'sources.create',
    permission: 'sources:manage',
    input: newSourceSchema.extend({ preset: z.string() }),
    form: (formData) => ({
      name: String(formData.get('name') ?? ''),
      kind: String(formData.get('kind') ?? ''),
      preset: String(formData.get('preset') ?? ''),
      description: formData.get('description') ?? '',
    }),
    echo: true,
    revalidate: '/sources',
  },
  async ({ preset: presetId, ...data }, { user }) => {
    const preset = presetId ? PRESETS.find((p) => p.id === presetId) : null;
    if (presetId && !preset) throw new InvalidRequestError('Unknown preset.');
    const created = await createSource(data, { actor: user, profile: preset?.profile, presetId: presetId || null });
    return { id: created.id };
  },
);

const startSchema = z.object({
  ingestionId: z.string().min(1),
  profile: IngestProfileSchema,
  presetId: z.string().nullable().optional(),
  onInvalid: z.enum(['ask', 'abort', 'valid_only']).default('ask'),
});

export const startIngestionAction = defineAction(
  { name: 'ingestion.start', permission: 'data:upload', input: startSchema, revalidate: '/sources' },
  async (data, { user }) =>
    sheetReadable(() => startIngestion(data.ingestionId, { profile: data.profile, presetId: data.presetId ?? null, onInvalid: data.onInvalid, actor: user })),
);

export const previewIngestionAction = defineAction(
  {
    name: 'ingestion.preview',
    permission: 'data:upload',
    input: z.tuple([z.string().min(1), z.string().max(200).optional().transform((s) => s || undefined)]),
  },
  async ([ingestionId, sheet]) => sheetReadable(() => previewIngestion(ingestionId, { sheet })),
);

/** Every value of one column of a staged upload, with its row count (the status codes to map, from the whole file). */
export const columnValuesAction = defineAction(
  {
    name: 'ingestion.column_values',
    permission: 'data:upload',
    input: z.tuple([z.string().min(1), z.string().min(1).max(500), z.string().max(200).optional().transform((s) => s || undefined)]),
  },
  async ([ingestionId, column, sheet]) => sheetReadable(() => stagedColumnValues(ingestionId, column, { sheet })),
);

/** Cancels an upload before it was mapped: its staged file goes and the ingestion is marked aborted. */
export const cancelIngestionAction = defineAction(
  { name: 'ingestion.cancel', permission: 'data:upload', input: z.tuple([z.string().min(1)]), revalidate: '/sources' },
  async ([ingestionId], { user }) => {
    await cancelIngestion(ingestionId, user);
    return null;
  },
);

export const decideIngestionAction = defineAction(
  { name: 'ingestion.decide', permission: 'data:upload', input: z.tuple([z.string().min(1), z.enum(['commit', 'abort'])]), revalidate: '/sources' },
  async ([ingestionId, decision], { user }) => {
    await sheetReadable(() => decideIngestion(ingestionId, decision, user));
    return null;
  },
);

// ---------------------------------------------------------------- connections

export const generateWebhookSecretAction = defineAction(
  {
    name: 'sources.webhook_secret',
    permission: 'sources:manage',
    input: z.tuple([z.string().min(1)]),
    revalidate: ([sourceId]) => `/sources/${sourceId}`,
  },
  async ([sourceId], { user }) => {
    const secret = generateWebhookSecret();
    const { count } = await rotateWebhookSecret(sourceId, secret, user, { keepPrevious: 1 });
    return { secret, count };
  },
);

const connectorFormSchema = z.object({
  sourceId: z.string().min(1),
  config: z.unknown(),
  credentials: z.object({ token: z.string().optional(), username: z.string().optional(), password: z.string().optional() }).optional(),
  schedule: z.string().max(120).nullable(),
});

export const saveConnectorAction = defineAction(
  { name: 'sources.connector.save', permission: 'sources:manage', input: connectorFormSchema, revalidate: (input) => `/sources/${input.sourceId}` },
  async (data, { user }) => {
    const c = data.credentials;
    const hasCredentials = Boolean(c && (c.token || c.username || c.password));
    const credentials = hasCredentials
      ? Object.fromEntries(Object.entries(c!).filter(([, v]) => v !== undefined && v !== ''))
      : undefined;
    await configureConnector(data.sourceId, data.config as never, credentials, data.schedule, user);
    await refreshSchedules();
    return null;
  },
);

export const pullNowAction = defineAction(
  { name: 'sources.pull', permission: 'data:upload', input: z.tuple([z.string().min(1)]), revalidate: ([sourceId]) => `/sources/${sourceId}` },
  async ([sourceId], { user }) => runPull(sourceId, user),
);

// ---------------------------------------------------------------- manual spend

export type ManualSpendValues = Record<'date' | 'channel' | 'campaign' | 'amount' | 'currency', string>;
export type ManualSpendState = ActionResult<{ message: string }> | null;

export const addManualSpendAction = defineFormAction(
  {
    name: 'romi.manual_spend',
    permission: 'data:upload',
    input: manualSpendSchema,
    form: (formData): ManualSpendValues => ({
      date: String(formData.get('date') ?? ''),
      channel: String(formData.get('channel') ?? ''),
      campaign: String(formData.get('campaign') ?? ''),
      amount: String(formData.get('amount') ?? ''),
      currency: String(formData.get('currency') ?? ''),
    }),
    echo: true,
    revalidate: ['/sources', '/dashboard'],
  },
  async (input, { user }) => {
    try {
      await addManualSpend(input, user);
    } catch (error) {
      // The form sums up field errors the same way whether zod or the domain found them.
      if (error instanceof InvalidRequestError && error.fields) throw new InvalidRequestError('Check the highlighted fields.', { fields: error.fields });
      throw error;
    }
    return { message: 'Spend recorded. The dashboard counts it once its figures are rebuilt (a few seconds).' };
  },
);

// ---------------------------------------------------------------- housekeeping

/** Renames a source (and its description); audited. */
export const renameSourceAction = defineFormAction(
  {
    name: 'sources.rename',
    permission: 'sources:manage',
    input: newSourceSchema.pick({ name: true, description: true }).extend({ id: z.string().min(1) }),
    form: (formData) => ({ id: String(formData.get('id') ?? ''), name: String(formData.get('name') ?? ''), description: String(formData.get('description') ?? '') }),
    revalidate: '/sources',
  },
  async ({ id, ...data }, { user }) => {
    await renameSource(id, data, user);
    return { renamed: true };
  },
);

/** Archives a source (its records stay) or deletes one nothing depends on; both audited. */
export const removeSourceAction = defineAction(
  { name: 'sources.remove', permission: 'sources:manage', input: z.tuple([z.string().min(1), z.enum(['archive', 'delete'])]), revalidate: '/sources' },
  async ([id, how], { user }) => {
    if (how === 'archive') await archiveSource(id, user);
    else await deleteSource(id, user);
    return null;
  },
);


/** Saves how channel values count (the company's channel list); every dashboard is rebuilt with it. */
export const saveChannelMappingAction = defineAction(
  { name: 'channels.map', permission: 'reconciliations:manage', input: z.tuple([channelMappingSchema]), revalidate: '/sources/channels' },
  async ([changes], { user }) => {
    const changed = await saveChannelMapping(changes, user);
    if (changed) await requestRomiRebuilds();
    return { changed };
  },
);

/** The profile editor's starting point: the newest ingested upload's rows with the current profile. */
export const profileDraftAction = defineAction(
  { name: 'sources.profile_draft', permission: 'sources:manage', input: z.tuple([z.string().min(1)]) },
  async ([sourceId]) => {
    const [draft, current] = await Promise.all([committedPreview(sourceId), currentProfileVersion(sourceId)]);
    if (!draft || !current) throw new InvalidRequestError('Nothing is ingested yet: upload an export first; its mapping becomes the profile.');
    return { ...draft, current: { version: current.version, profile: current.profile } };
  },
);

/** Saves an edited profile as the source's next version (audited); uploads read with it from now on. */
export const saveProfileAction = defineAction(
  { name: 'sources.profile_save', permission: 'sources:manage', input: z.tuple([z.string().min(1), z.unknown()]), revalidate: '/sources' },
  async ([sourceId, profile], { user }) => {
    const version = await ensureProfileVersion(sourceId, profile as IngestProfileInput, { actor: user });
    return { version: version.version };
  },
);

/** Reads an ingested upload again with the source's newest profile version (its records replaced in one transaction). */
export const reprocessIngestionAction = defineAction(
  { name: 'ingestion.reprocess', permission: 'data:upload', input: z.tuple([z.string().min(1)]), revalidate: '/sources' },
  async ([ingestionId], { user }) => reprocessIngestion(ingestionId, user),
);
