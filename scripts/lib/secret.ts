import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/**
 * Demo mode only: a per-install session secret kept in ./data so that sessions
 * survive a restart. Production must set AUTH_SECRET itself (scripts/start.ts refuses to start without it).
 */
export function demoAuthSecret(dataDir = path.resolve('data')): string {
  const file = path.join(dataDir, '.auth-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
