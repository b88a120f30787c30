import { z } from 'zod';
import { decryptSecret, encryptSecret } from '@/lib/server/crypto/secrets';
import { randomBytes } from 'node:crypto';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { ConflictError, NotFoundError } from '@/lib/server/core/app-error';

type Actor = { id: string; email: string } | null;
/** Secrets kept at once: the current one plus a few being rotated out. */
export const MAX_WEBHOOK_SECRETS = 5;

/** The stored secrets of a source, decrypted. */
export function decryptSecrets(enc: string | null): string[] {
  if (!enc) return [];
  const tokens = z.array(z.string()).parse(JSON.parse(enc));
  return tokens.map(decryptSecret);
}

// ---------------------------------------------------------------- secrets

const secretSchema = z
  .string()
  .trim()
  .min(16, 'A webhook secret has at least 16 characters.')
  .max(512, 'A webhook secret has at most 512 characters.');

export const webhookSecretsSchema = z
  .array(secretSchema)
  .max(MAX_WEBHOOK_SECRETS, `Keep at most ${MAX_WEBHOOK_SECRETS} webhook secrets.`)
  .refine((a) => new Set(a).size === a.length, 'The same secret is listed twice.');


/** A new random signing secret, for senders that let us choose it. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * Replaces a source's webhook secrets (first = newest; any of them verifies). An empty list
 * turns webhooks off. Audited in the same transaction, with counts only.
 */
export async function setWebhookSecrets(
  sourceId: string,
  secrets: readonly string[],
  actor: Actor,
  opts: { db?: Client } = {},
): Promise<{ count: number }> {
  const list = webhookSecretsSchema.parse(secrets);
  const db = opts.db ?? getPrisma();
  const enc = list.length ? JSON.stringify(list.map(encryptSecret)) : null;
  return db.$transaction(async (tx) => {
    const source = await tx.source.findUnique({ where: { id: sourceId }, select: { webhookSecretsEnc: true } });
    if (!source) throw new NotFoundError(`Source ${sourceId} does not exist.`);
    const before = source.webhookSecretsEnc ? (JSON.parse(source.webhookSecretsEnc) as unknown[]).length : 0;
    await tx.source.update({ where: { id: sourceId }, data: { webhookSecretsEnc: enc } });
    await writeAudit(tx, {
      actor,
      action: 'source.webhook_secrets.set',
      entityType: 'Source',
      entityId: sourceId,
      before: { secrets: before },
      after: { secrets: list.length },
    });
    return { count: list.length };
  });
}

/**
 * Rotation: the new secret goes first and the newest `keepPrevious` old ones stay valid until
 * the sender has switched (then call again with keepPrevious 0, or setWebhookSecrets).
 */
export async function rotateWebhookSecret(
  sourceId: string,
  newSecret: string,
  actor: Actor,
  opts: { keepPrevious?: number; db?: Client } = {},
): Promise<{ count: number }> {
  const secret = secretSchema.parse(newSecret);
  const keep = Math.max(0, Math.min(opts.keepPrevious ?? 1, MAX_WEBHOOK_SECRETS - 1));
  const db = opts.db ?? getPrisma();
  const newToken = encryptSecret(secret);
  return db.$transaction(async (tx) => {
    const source = await tx.source.findUnique({ where: { id: sourceId }, select: { webhookSecretsEnc: true } });
    if (!source) throw new NotFoundError(`Source ${sourceId} does not exist.`);
    const old = source.webhookSecretsEnc ? z.array(z.string()).parse(JSON.parse(source.webhookSecretsEnc)) : [];
    if (old.some((t) => { try { return decryptSecret(t) === secret; } catch { return false; } })) {
      throw new ConflictError('This secret is already configured for the source.');
    }
    const next = [newToken, ...old.slice(0, keep)];
    await tx.source.update({ where: { id: sourceId }, data: { webhookSecretsEnc: JSON.stringify(next) } });
    await writeAudit(tx, {
      actor,
      action: 'source.webhook_secrets.rotate',
      entityType: 'Source',
      entityId: sourceId,
      before: { secrets: old.length },
      after: { secrets: next.length, keptPrevious: Math.min(keep, old.length) },
    });
    return { count: next.length };
  });
}

/** How many webhook secrets a source has (the UI shows this, never the secrets). */
export async function webhookSecretCount(sourceId: string, opts: { db?: Client } = {}): Promise<number> {
  const db = opts.db ?? getPrisma();
  const s = await db.source.findUnique({ where: { id: sourceId }, select: { webhookSecretsEnc: true } });
  return s?.webhookSecretsEnc ? (JSON.parse(s.webhookSecretsEnc) as unknown[]).length : 0;
}
