/**
 * Key rotation: re-encrypts every encrypted column with the current PAIDLINE_SECRET_KEY, reading
 * tokens sealed with a key in PAIDLINE_SECRET_KEY_PREVIOUS. One transaction for everything, with its
 * audit row: either every secret is under the new key, or nothing changed (a token no configured key
 * opens stops the rotation with its table and row named). `npm run secrets:rotate` runs it.
 *
 * ENCRYPTED_COLUMNS is the list of every column holding secrets: a new encrypted column goes here,
 * and the test that compares it with the schema's models fails until it does.
 */
import { needsReencryption, reencryptSecret, SecretDecryptError } from './secrets';
import type { DbClient } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';

export type EncryptedColumn = {
  model: 'user' | 'source' | 'notificationSettings' | 'webhookSubscription';
  field: string;
  /** A JSON array of tokens (webhook secrets kept for rotation) rather than one token. */
  list?: true;
};

export const ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [
  { model: 'user', field: 'mfaSecret' },
  { model: 'source', field: 'webhookSecretsEnc', list: true },
  { model: 'source', field: 'connectorCredentialsEnc' },
  { model: 'notificationSettings', field: 'telegramBotTokenEnc' },
  { model: 'notificationSettings', field: 'telegramSecretEnc' },
  { model: 'notificationSettings', field: 'smtpPasswordEnc' },
  { model: 'notificationSettings', field: 'webhookSecretEnc' },
  { model: 'webhookSubscription', field: 'secretEnc' },
];

export class SecretRotationError extends Error {
  override name = 'SecretRotationError';
}

export type RotationReport = { columns: { column: string; rows: number; reencrypted: number }[]; reencrypted: number };

type Row = { id: string } & Record<string, string | null>;
type Delegate = {
  findMany(args: unknown): Promise<Row[]>;
  update(args: unknown): Promise<unknown>;
};

function tokensOf(column: EncryptedColumn, value: string): string[] {
  if (!column.list) return [value];
  const parsed: unknown = JSON.parse(value);
  if (!Array.isArray(parsed) || !parsed.every((t) => typeof t === 'string')) throw new SecretDecryptError('not a list of encrypted secrets');
  return parsed;
}

/** Re-encrypts every stored secret not under the current key; returns counts per column. */
export async function rotateSecrets(db: DbClient, actor: { id: string; email: string } | null = null): Promise<RotationReport> {
  return db.$transaction(
    async (tx) => {
      const report: RotationReport = { columns: [], reencrypted: 0 };
      for (const column of ENCRYPTED_COLUMNS) {
        const delegate = (tx as unknown as Record<string, Delegate>)[column.model]!;
        const rows = await delegate.findMany({ where: { [column.field]: { not: null } }, select: { id: true, [column.field]: true } });
        let reencrypted = 0;
        for (const row of rows) {
          const value = row[column.field]!;
          let next: string;
          try {
            const tokens = tokensOf(column, value);
            if (!tokens.some(needsReencryption)) continue;
            const sealed = tokens.map(reencryptSecret);
            next = column.list ? JSON.stringify(sealed) : sealed[0]!;
          } catch (e) {
            throw new SecretRotationError(`${column.model}.${column.field} of ${row.id}: ${(e as Error).message} Nothing was changed.`);
          }
          await delegate.update({ where: { id: row.id }, data: { [column.field]: next } });
          reencrypted++;
        }
        report.columns.push({ column: `${column.model}.${column.field}`, rows: rows.length, reencrypted });
        report.reencrypted += reencrypted;
      }
      await writeAudit(tx, { actor, action: 'secrets.rotate', entityType: 'Secrets', entityId: 'all', after: report });
      return report;
    },
    { timeout: 5 * 60_000, maxWait: 30_000 },
  );
}
