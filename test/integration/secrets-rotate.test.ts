/**
 * Key rotation end to end, on SQLite and PostgreSQL: secrets stored under key A (an MFA secret, a
 * source's webhook secrets and connector credentials, the notification secrets) are re-encrypted by
 * `npm run secrets:rotate`'s function to key B, then to key C; after each rotation the old key is
 * removed and a user with MFA still signs in with a code, and every other secret still opens. A
 * token no configured key opens stops the rotation with nothing changed.
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decideSignIn } from '@/lib/auth/signin';
import { decryptSecret, encryptSecret, resetSecretKeyCache, secretKeyIdOf } from '@/lib/server/crypto/secrets';
import { ENCRYPTED_COLUMNS, rotateSecrets, SecretRotationError } from '@/lib/server/crypto/rotate-secrets';
import { beginMfaEnrolment, confirmMfaEnrolment, mfaStatus } from '@/lib/features/users/mfa';
import { createUser } from '@/lib/features/users/create-user';
import { createSource } from '@/lib/features/ingestion/sources';
import { decryptSecrets, setWebhookSecrets } from '@/lib/features/ingestion/webhooks/webhook-secrets';
import { loadNotificationSettings, saveNotificationSettings } from '@/lib/features/alerts/settings';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

const PASSWORD = 'correct horse battery staple';
const meta = { ip: '203.0.113.7', userAgent: 'vitest' };
const key = () => randomBytes(32).toString('base64');
let clock = Date.UTC(2026, 0, 5, 9, 0, 10);

function useKeys(current: string, previous?: string) {
  process.env.PAIDLINE_SECRET_KEY = current;
  if (previous) process.env.PAIDLINE_SECRET_KEY_PREVIOUS = previous;
  else delete process.env.PAIDLINE_SECRET_KEY_PREVIOUS;
  resetSecretKeyCache();
}

beforeAll(() => {
  process.env.AUTH_SECRET = 'integration-test-secret-0123456789abcdef';
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(clock);
});
afterAll(() => {
  vi.useRealTimers();
  delete process.env.PAIDLINE_SECRET_KEY_PREVIOUS;
});

it('lists every encrypted column of the schema', async () => {
  const { readFileSync } = await import('node:fs');
  const models = readFileSync('prisma/models.prisma', 'utf8');
  // Columns that hold AES-GCM tokens: named *Enc, plus the MFA secret.
  const found = [...models.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)].flatMap(([, model, body]) =>
    [...body!.matchAll(/^\s+(\w+Enc|mfaSecret)\s/gm)].map((m) => `${model![0]!.toLowerCase()}${model!.slice(1)}.${m[1]}`),
  );
  expect(found.sort()).toEqual(ENCRYPTED_COLUMNS.map((c) => `${c.model}.${c.field}`).sort());
});

describe.each(DATABASE_KINDS)('secrets:rotate on %s', (kind) => {
  let db: TestDatabase;
  const A = key();
  const B = key();
  const C = key();
  let totpSecret = '';
  let sourceId = '';

  const signInWithMfa = async () => {
    clock += 30_000;
    vi.setSystemTime(clock);
    const first = await decideSignIn({ email: 'rita@example.com', password: PASSWORD }, meta, db.prisma);
    if (first.ok || first.reason !== 'mfa-required') throw new Error(`expected an MFA challenge, got ${JSON.stringify(first)}`);
    return decideSignIn({ challenge: first.challenge, code: await generate({ secret: totpSecret, epoch: Math.floor(clock / 1000) }) }, meta, db.prisma);
  };
  const keyIds = async () => {
    const ids = new Set<string>();
    const u = await db.prisma.user.findFirstOrThrow({ where: { email: 'rita@example.com' } });
    ids.add(secretKeyIdOf(u.mfaSecret!));
    const s = await db.prisma.source.findUniqueOrThrow({ where: { id: sourceId } });
    for (const t of JSON.parse(s.webhookSecretsEnc!) as string[]) ids.add(secretKeyIdOf(t));
    ids.add(secretKeyIdOf(s.connectorCredentialsEnc!));
    const n = await db.prisma.notificationSettings.findUniqueOrThrow({ where: { id: 'default' } });
    for (const t of [n.telegramBotTokenEnc, n.telegramSecretEnc, n.smtpPasswordEnc, n.webhookSecretEnc]) ids.add(secretKeyIdOf(t!));
    return ids;
  };

  beforeAll(async () => {
    useKeys(A);
    db = await createTestDatabase(kind);
    const user = await createUser({ email: 'rita@example.com', name: 'Rita', role: 'reviewer', password: PASSWORD }, { db: db.prisma });
    await beginMfaEnrolment(user, meta, db.prisma);
    totpSecret = (await mfaStatus(user.id, db.prisma)).pendingSecret!;
    await confirmMfaEnrolment(user, await generate({ secret: totpSecret, epoch: Math.floor(clock / 1000) }), meta, db.prisma);
    ({ id: sourceId } = await createSource({ name: 'Stripe', kind: 'gateway' }, { actor: null, db: db.prisma }));
    await setWebhookSecrets(sourceId, ['whsec_newest_0123456789abcdef', 'whsec_older_0123456789abcdef'], null, { db: db.prisma });
    await db.prisma.source.update({ where: { id: sourceId }, data: { connectorCredentialsEnc: encryptSecret('{"token":"api-token"}') } });
    await saveNotificationSettings(
      db.prisma,
      { config: { webhook: { url: 'https://hooks.example.com/paidline' } }, secrets: { telegramBotToken: { set: '123:bot-token' }, smtpPassword: { set: 'smtp-pass' } } },
      null,
    );
  });
  afterAll(async () => db?.drop());

  it('re-encrypts every secret from A to B in one pass, counted per column and audited', async () => {
    useKeys(B, A);
    const report = await rotateSecrets(db.prisma);
    expect(report.reencrypted).toBe(7);
    expect(report.columns.find((c) => c.column === 'user.mfaSecret')).toEqual({ column: 'user.mfaSecret', rows: 1, reencrypted: 1 });
    expect(report.columns.find((c) => c.column === 'source.webhookSecretsEnc')).toEqual({ column: 'source.webhookSecretsEnc', rows: 1, reencrypted: 1 });
    expect(await db.prisma.auditLog.count({ where: { action: 'secrets.rotate' } })).toBe(1);
    // A second run has nothing left to do.
    expect((await rotateSecrets(db.prisma)).reencrypted).toBe(0);
  });

  it('with key A removed, the MFA user signs in and every secret opens', async () => {
    useKeys(B);
    expect(await keyIds()).toEqual(new Set([secretKeyIdOf(encryptSecret('x'))]));
    expect(await signInWithMfa()).toMatchObject({ ok: true });
    const s = await db.prisma.source.findUniqueOrThrow({ where: { id: sourceId } });
    expect(decryptSecrets(s.webhookSecretsEnc)).toEqual(['whsec_newest_0123456789abcdef', 'whsec_older_0123456789abcdef']);
    expect(decryptSecret(s.connectorCredentialsEnc!)).toBe('{"token":"api-token"}');
    const settings = await loadNotificationSettings(db.prisma);
    expect(settings.secrets).toMatchObject({ telegramBotToken: '123:bot-token', smtpPassword: 'smtp-pass' });
  });

  it('rotates again, B to C, and MFA sign-in still works with only C', async () => {
    useKeys(C, B);
    expect((await rotateSecrets(db.prisma)).reencrypted).toBe(7);
    useKeys(C);
    expect(await signInWithMfa()).toMatchObject({ ok: true });
  });

  it('stops with nothing changed when a secret opens with no configured key', async () => {
    const D = key();
    useKeys(D, C);
    const stranger = (() => {
      useKeys(key());
      const t = encryptSecret('sealed with a key nobody has');
      useKeys(D, C);
      return t;
    })();
    await db.prisma.notificationSettings.update({ where: { id: 'default' }, data: { smtpPasswordEnc: stranger } });
    const before = await db.prisma.user.findFirstOrThrow({ where: { email: 'rita@example.com' } });
    await expect(rotateSecrets(db.prisma)).rejects.toThrow(SecretRotationError);
    await expect(rotateSecrets(db.prisma)).rejects.toThrow(/notificationSettings\.smtpPasswordEnc of default: .*Nothing was changed/);
    const after = await db.prisma.user.findFirstOrThrow({ where: { email: 'rita@example.com' } });
    expect(after.mfaSecret).toBe(before.mfaSecret);
    expect(await db.prisma.auditLog.count({ where: { action: 'secrets.rotate' } })).toBe(3);
  });
});

describe('npm run secrets:rotate', () => {
  it('prints the counts and exits 0; exits 1 with the reason when a key is missing', async () => {
    const dbh = await createTestDatabase('sqlite');
    try {
      const A = key();
      const B = key();
      useKeys(A);
      const u = await createUser({ email: 'cli@example.com', name: 'Cli', role: 'reviewer', password: PASSWORD }, { db: dbh.prisma });
      await beginMfaEnrolment(u, meta, dbh.prisma);
      const run = (env: Record<string, string>) =>
        spawnSync(process.execPath, ['--import', 'tsx', 'scripts/secrets-rotate.ts'], {
          env: { ...process.env, DATABASE_URL: dbh.url, PAIDLINE_SECRET_KEY_PREVIOUS: '', ...env },
          encoding: 'utf8',
        });
      const missing = run({ PAIDLINE_SECRET_KEY: B });
      expect(missing.status).toBe(1);
      expect(missing.stderr).toMatch(/user\.mfaSecret of .*PAIDLINE_SECRET_KEY_PREVIOUS.*Nothing was changed/);
      const ok = run({ PAIDLINE_SECRET_KEY: B, PAIDLINE_SECRET_KEY_PREVIOUS: A });
      expect(ok.stderr).toBe('');
      expect(ok.status).toBe(0);
      expect(ok.stdout).toMatch(/user\.mfaSecret\s+1 re-encrypted of 1/);
      expect(ok.stdout).toMatch(/1 secret\(s\) now under key [0-9a-f]{16}/);
    } finally {
      await dbh.drop();
    }
  });
});
