/**
 * npm run secrets:rotate
 *
 * Key rotation, one command: with the new key in PAIDLINE_SECRET_KEY and the old one in
 * PAIDLINE_SECRET_KEY_PREVIOUS, re-encrypts every stored secret (connector credentials, webhook
 * secrets, MFA secrets, notification secrets) under the new key in one transaction and prints the
 * counts. Afterwards the old key can be removed. Exit 1 (nothing changed) when a secret cannot be
 * opened with either key.
 */
import { migrateDatabase } from '@/lib/server/db/migrate';
import { getPrisma } from '@/lib/server/db/client';
import { currentKeyId } from '@/lib/server/crypto/secrets';
import { rotateSecrets } from '@/lib/server/crypto/rotate-secrets';

async function main() {
  if (process.argv.includes('--help')) {
    console.log('Usage: PAIDLINE_SECRET_KEY=<new> PAIDLINE_SECRET_KEY_PREVIOUS=<old> npm run secrets:rotate');
    return;
  }
  await migrateDatabase();
  const keyId = currentKeyId();
  const report = await rotateSecrets(getPrisma());
  for (const c of report.columns) console.log(`${c.column.padEnd(42)} ${String(c.reencrypted).padStart(6)} re-encrypted of ${c.rows}`);
  console.log(`${report.reencrypted} secret(s) now under key ${keyId}. PAIDLINE_SECRET_KEY_PREVIOUS can be removed.`);
}

main()
  .then(() => getPrisma().$disconnect())
  .catch(async (e: unknown) => {
    console.error(`secrets:rotate: ${e instanceof Error ? e.message : String(e)}`);
    await getPrisma().$disconnect().catch(() => {});
    process.exit(1);
  });
