/**
 * npm run --silent token:create -- --email owner@example.com --name "CI" [--read-only] [--expires-days 90 | --no-expiry]
 *
 * Makes a personal access token for an existing account straight in the database (DATABASE_URL),
 * for headless servers and tests where nobody opens Account -> API tokens: the token acts with the
 * account's role, is audited like one made in the app, and is revoked the same way. Prints only the
 * secret on stdout (shown once; capture it: PAIDLINE_TOKEN=$(npm run --silent token:create -- ...));
 * everything else goes to stderr. Exit codes: 0 made, 1 refused (no such account, too many tokens), 2 usage.
 */
import { writeSync } from 'node:fs';
import pino from 'pino';
import { ZodError } from 'zod';
import { roleSchema } from '@/lib/domain/roles';
import { createApiToken } from '@/lib/features/users/api-tokens';
import { mfaRequiredFor } from '@/lib/features/users/totp';
import { AppError } from '@/lib/server/core/app-error';
import { processSlot } from '@/lib/server/core/process-state';
import { getPrisma } from '@/lib/server/db/client';
import { migrateDatabase } from '@/lib/server/db/migrate';
import { createLogger } from '@/lib/server/observability/logger';
import { parseFlags } from './lib/args';

const USAGE = 'Usage: npm run --silent token:create -- --email <the owner\'s e-mail> --name <what uses it> [--read-only] [--expires-days <days> | --no-expiry]';

async function main() {
  // stdout carries the secret alone: the process's logs (pino writes fd 1) and messages go to stderr.
  processSlot('logger').set(createLogger(pino.destination({ dest: 2, sync: true })));
  const { values } = parseFlags(
    { email: { type: 'string' }, name: { type: 'string' }, 'read-only': { type: 'boolean' }, 'expires-days': { type: 'string' }, 'no-expiry': { type: 'boolean' } },
    USAGE,
  );
  if (!values.email || !values.name) {
    console.error(`Both --email and --name are required.\n\n${USAGE}`);
    process.exit(2);
  }
  if (values['no-expiry'] && values['expires-days'] !== undefined) {
    console.error(`Give --expires-days or --no-expiry, not both.\n\n${USAGE}`);
    process.exit(2);
  }
  const days = values['expires-days'] === undefined ? 90 : Number(values['expires-days']);
  if (!values['no-expiry'] && (!Number.isInteger(days) || days < 1)) {
    console.error(`--expires-days is a whole number of days (at least 1), not "${values['expires-days']}".\n\n${USAGE}`);
    process.exit(2);
  }

  await migrateDatabase();
  const prisma = getPrisma();
  try {
    const email = values.email.trim().toLowerCase();
    const user = await prisma.user.findUnique({ where: { email }, select: { id: true, email: true, role: true, disabled: true, mfaEnabled: true } });
    if (!user) {
      console.error(`No account ${email} in this database (${process.env.DATABASE_URL ?? 'the default database'}). Create it first: npm run user:create -- --email ${email} --role <role>`);
      process.exit(1);
    }
    const { secret, token } = await createApiToken(
      { id: user.id, email: user.email },
      { name: values.name, readOnly: Boolean(values['read-only']), expiresInDays: values['no-expiry'] ? null : days },
      { userAgent: 'npm run token:create' },
    );
    console.error(
      `Made the ${token.readOnly ? 'read-only ' : ''}token "${token.name}" (${token.prefix}…) for ${user.email} (${user.role}), ${token.expiresAt ? `expiring ${token.expiresAt.toISOString().slice(0, 10)}` : 'not expiring'}. The secret is printed once, on stdout.`,
    );
    const role = roleSchema.safeParse(user.role);
    if (role.success && mfaRequiredFor(role.data) && !user.mfaEnabled) {
      console.error(`Note: ${user.email}'s role (${user.role}) requires two-factor authentication, which the account has not set up: the API refuses this token (403) until it is (Account -> Security), or unless the server's PAIDLINE_MFA_REQUIRED_ROLES leaves ${user.role} out.`);
    }
    writeSync(1, `${secret}\n`);
  } catch (error) {
    if (error instanceof ZodError) {
      console.error(`No token was made:\n${error.issues.map((i) => `  - ${i.path.join('.') || 'input'}: ${i.message}`).join('\n')}`);
      process.exit(1);
    }
    if (error instanceof AppError) {
      console.error(`No token was made: ${error.message}`);
      process.exit(1);
    }
    throw error;
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
