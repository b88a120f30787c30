'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { PermissionError, requireAction } from '@/lib/auth/guard';
import { createSource, newSourceSchema, SourceNameTakenError } from '@/lib/features/ingestion/sources';
import { decideIngestion, startIngestion, type StartResult } from '@/lib/features/ingestion/process-ingestion';
import { IngestionStateError } from '@/lib/features/ingestion/upload-limits';
import { previewIngestion, type IngestionPreview } from '@/lib/features/ingestion/preview-ingestion';
import { IngestProfileSchema } from '@/lib/features/ingestion/profile';
import { ParseError } from '@/lib/features/ingestion/parse';
import { PRESETS } from '@/lib/features/ingestion/presets';
import { configureConnector, PullBusyError, PullConfigError, runPull, type PullResult } from '@/lib/features/ingestion/connectors/run-pull';
import { generateWebhookSecret, rotateWebhookSecret, SourceNotFoundError } from '@/lib/features/ingestion/webhooks/webhook-secrets';
import { refreshSchedules } from '@/lib/features/ingestion/connectors/scheduler';
import { addManualSpend, ManualSpendError, manualSpendSchema } from '@/lib/features/romi/add-manual-spend';

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: string; fields?: Record<string, string> };

async function guarded<T>(action: Parameters<typeof requireAction>[0], fn: (user: { id: string; email: string }) => Promise<T>): Promise<ActionResult<T>> {
  try {
    const user = await requireAction(action);
    return { ok: true, data: await fn(user) };
  } catch (error) {
    if (error instanceof PermissionError || error instanceof IngestionStateError || error instanceof SourceNameTakenError) {
      return { ok: false, error: error.message };
    }
    // Another sheet of a staged workbook that cannot be read: the upload stays open on the others.
    if (error instanceof ParseError) return { ok: false, error: `This sheet cannot be read: ${error.message}` };
    if (error instanceof z.ZodError) {
      return { ok: false, error: error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ') };
    }
    throw error;
  }
}

export type CreateSourceValues = { name: string; kind: string; preset: string };
export type CreateSourceState =
  | { status: 'idle' }
  | { status: 'error'; message: string; fields?: Record<string, string>; values?: CreateSourceValues }
  | { status: 'created'; id: string };

export async function createSourceAction(_prev: CreateSourceState, formData: FormData): Promise<CreateSourceState> {
  // The permission first: a caller without it learns nothing, not even what the form expects.
  const allowed = await guarded('sources:manage', async () => null);
  if (!allowed.ok) return { status: 'error', message: allowed.error };
  const values: CreateSourceValues = { name: String(formData.get('name') ?? ''), kind: String(formData.get('kind') ?? ''), preset: String(formData.get('preset') ?? '') };
  const presetId = values.preset || null;
  const parsed = newSourceSchema.safeParse({ name: values.name, kind: values.kind, description: formData.get('description') ?? '' });
  if (!parsed.success) {
    const fields = Object.fromEntries(Object.entries(z.flattenError(parsed.error).fieldErrors).map(([k, v]) => [k, v?.[0] ?? 'Invalid value']));
    return { status: 'error', message: 'Check the highlighted fields.', fields, values };
  }
  const preset = presetId ? PRESETS.find((p) => p.id === presetId) : null;
  if (presetId && !preset) return { status: 'error', message: 'Unknown preset.', values };
  const result = await guarded('sources:manage', (actor) => createSource(parsed.data, { actor, profile: preset?.profile, presetId }));
  if (!result.ok) return { status: 'error', message: result.error, fields: result.error.includes('already exists') ? { name: result.error } : undefined, values };
  revalidatePath('/sources');
  return { status: 'created', id: result.data.id };
}

const startSchema = z.object({
  ingestionId: z.string().min(1),
  profile: IngestProfileSchema,
  presetId: z.string().nullable().optional(),
  onInvalid: z.enum(['ask', 'abort', 'valid_only']).default('ask'),
});

export async function startIngestionAction(input: z.input<typeof startSchema>): Promise<ActionResult<StartResult>> {
  return guarded('data:upload', async (actor) => {
    const data = startSchema.parse(input);
    const result = await startIngestion(data.ingestionId, { profile: data.profile, presetId: data.presetId ?? null, onInvalid: data.onInvalid, actor });
    revalidatePath('/sources');
    return result;
  });
}

export async function previewIngestionAction(ingestionId: string, sheet?: string): Promise<ActionResult<IngestionPreview>> {
  return guarded('data:upload', async () => previewIngestion(z.string().min(1).parse(ingestionId), { sheet: sheet ? z.string().max(200).parse(sheet) : undefined }));
}

export async function decideIngestionAction(ingestionId: string, decision: 'commit' | 'abort'): Promise<ActionResult<null>> {
  return guarded('data:upload', async (actor) => {
    await decideIngestion(z.string().min(1).parse(ingestionId), z.enum(['commit', 'abort']).parse(decision), actor);
    revalidatePath('/sources');
    return null;
  });
}

// ---------------------------------------------------------------- connections

export async function generateWebhookSecretAction(sourceId: string): Promise<ActionResult<{ secret: string; count: number }>> {
  return guardedConnections('sources:manage', async (actor) => {
    const secret = generateWebhookSecret();
    const { count } = await rotateWebhookSecret(z.string().min(1).parse(sourceId), secret, actor, { keepPrevious: 1 });
    revalidatePath(`/sources/${sourceId}`);
    return { secret, count };
  });
}

const connectorFormSchema = z.object({
  sourceId: z.string().min(1),
  config: z.unknown(),
  credentials: z.object({ token: z.string().optional(), username: z.string().optional(), password: z.string().optional() }).optional(),
  schedule: z.string().max(120).nullable(),
});

export async function saveConnectorAction(input: z.input<typeof connectorFormSchema>): Promise<ActionResult<null>> {
  return guardedConnections('sources:manage', async (actor) => {
    const data = connectorFormSchema.parse(input);
    const c = data.credentials;
    const hasCredentials = Boolean(c && (c.token || c.username || c.password));
    const credentials = hasCredentials
      ? Object.fromEntries(Object.entries(c!).filter(([, v]) => v !== undefined && v !== ''))
      : undefined;
    await configureConnector(data.sourceId, data.config as never, credentials, data.schedule, actor);
    await refreshSchedules();
    revalidatePath(`/sources/${data.sourceId}`);
    return null;
  });
}

export async function pullNowAction(sourceId: string): Promise<ActionResult<PullResult>> {
  return guardedConnections('data:upload', async (actor) => {
    const result = await runPull(z.string().min(1).parse(sourceId), actor);
    revalidatePath(`/sources/${sourceId}`);
    return result;
  });
}

async function guardedConnections<T>(action: Parameters<typeof requireAction>[0], fn: (user: { id: string; email: string }) => Promise<T>): Promise<ActionResult<T>> {
  try {
    return await guarded(action, fn);
  } catch (error) {
    if (error instanceof PullConfigError || error instanceof PullBusyError || error instanceof SourceNotFoundError) return { ok: false, error: error.message };
    if (error instanceof Error && /already configured/.test(error.message)) return { ok: false, error: error.message };
    throw error;
  }
}

// ---------------------------------------------------------------- manual spend

export type ManualSpendValues = Record<'date' | 'channel' | 'campaign' | 'amount' | 'currency', string>;
export type ManualSpendState =
  | { status: 'idle' }
  | { status: 'error'; message: string; fields?: Record<string, string>; values: ManualSpendValues }
  | { status: 'added'; message: string };

export async function addManualSpendAction(_prev: ManualSpendState, formData: FormData): Promise<ManualSpendState> {
  const values: ManualSpendValues = {
    date: String(formData.get('date') ?? ''),
    channel: String(formData.get('channel') ?? ''),
    campaign: String(formData.get('campaign') ?? ''),
    amount: String(formData.get('amount') ?? ''),
    currency: String(formData.get('currency') ?? ''),
  };
  const allowed = await guarded('data:upload', async (actor) => actor);
  if (!allowed.ok) return { status: 'error', message: allowed.error, values };
  const parsed = manualSpendSchema.safeParse(values);
  if (!parsed.success) {
    const fields = Object.fromEntries(Object.entries(z.flattenError(parsed.error).fieldErrors).map(([k, v]) => [k, v?.[0] ?? 'Invalid value']));
    return { status: 'error', message: 'Check the highlighted fields.', fields, values };
  }
  try {
    await addManualSpend(parsed.data, allowed.data);
  } catch (error) {
    if (error instanceof ManualSpendError) return { status: 'error', message: 'Check the highlighted fields.', fields: { amount: error.message }, values };
    throw error;
  }
  revalidatePath('/sources');
  revalidatePath('/dashboard');
  return { status: 'added', message: 'Spend recorded. The dashboard counts it once its figures are rebuilt (a few seconds).' };
}
