/**
 * Secrets at rest (webhook signing secrets, connector credentials): AES-256-GCM with a
 * 96-bit random IV and a 128-bit tag.
 *
 * Token format: `pl1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts). `pl1` is the format
 * version; keyId is the first 8 bytes of SHA-256(key) in hex, so a token names the key that
 * sealed it without revealing it. The format version and key id are authenticated (AAD).
 *
 * Keys: PAIDLINE_SECRET_KEY (32 bytes, base64) encrypts; PAIDLINE_SECRET_KEY_PREVIOUS (optional,
 * comma-separated for several) is also tried for decryption, so keys can rotate:
 * set the new key, move the old one to _PREVIOUS, re-encrypt (reencryptSecret), drop _PREVIOUS.
 *
 * Without PAIDLINE_SECRET_KEY: in demo/dev a key is generated once into ./data/.secret-key
 * (mode 600; PAIDLINE_SECRET_KEY_FILE overrides the path); in production it is an error.
 *
 * Nothing here logs or puts a plaintext or a key into an error message.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const FORMAT = 'pl1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretKeyError extends Error {
  override name = 'SecretKeyError';
}

/** A token that cannot be decrypted: tampered, truncated, or sealed with a key we do not have. */
export class SecretDecryptError extends Error {
  override name = 'SecretDecryptError';
}

interface Key {
  id: string;
  bytes: Buffer;
}

interface Keyring {
  current: Key;
  all: Map<string, Key>;
}

function keyId(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

function parseKey(value: string, variable: string): Key {
  const bytes = Buffer.from(value.trim(), 'base64');
  if (bytes.length !== 32) {
    throw new SecretKeyError(
      `${variable} must be 32 random bytes encoded as base64 (it decodes to ${bytes.length} bytes). ` +
        `Generate one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`,
    );
  }
  return { id: keyId(bytes), bytes };
}

/** Where the generated demo/dev key lives. */
export function devKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), env.PAIDLINE_SECRET_KEY_FILE ?? 'data/.secret-key');
}

function isDevLike(env: NodeJS.ProcessEnv): boolean {
  return env.PAIDLINE_DEMO === '1' || env.NODE_ENV !== 'production';
}

/** Reads the generated key, creating it (exclusively, mode 600) the first time. */
function loadOrCreateDevKey(env: NodeJS.ProcessEnv): string {
  const file = devKeyFile(env);
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another process created it first: use theirs.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return readFileSync(file, 'utf8');
}

let cache: { signature: string; ring: Keyring } | null = null;

function keyring(env: NodeJS.ProcessEnv = process.env): Keyring {
  const signature = [env.PAIDLINE_SECRET_KEY ?? '', env.PAIDLINE_SECRET_KEY_PREVIOUS ?? '', env.PAIDLINE_SECRET_KEY_FILE ?? '', env.NODE_ENV ?? '', env.PAIDLINE_DEMO ?? ''].join('\u0000');
  if (cache && cache.signature === signature) return cache.ring;

  let currentText = env.PAIDLINE_SECRET_KEY?.trim();
  let variable = 'PAIDLINE_SECRET_KEY';
  if (!currentText) {
    if (!isDevLike(env)) {
      throw new SecretKeyError(
        'PAIDLINE_SECRET_KEY is not set. Production needs a 32-byte base64 key to encrypt webhook secrets and connector credentials: ' +
          `generate one with node -e "console.log(require('crypto').randomBytes(32).toString('base64'))", ` +
          'store it in your secret manager and set PAIDLINE_SECRET_KEY (keep it: without it stored secrets cannot be read).',
      );
    }
    currentText = loadOrCreateDevKey(env).trim();
    variable = devKeyFile(env);
  }
  const current = parseKey(currentText, variable);
  const all = new Map<string, Key>([[current.id, current]]);
  for (const part of (env.PAIDLINE_SECRET_KEY_PREVIOUS ?? '').split(',')) {
    if (!part.trim()) continue;
    const k = parseKey(part, 'PAIDLINE_SECRET_KEY_PREVIOUS');
    if (!all.has(k.id)) all.set(k.id, k);
  }
  const ring = { current, all };
  cache = { signature, ring };
  return ring;
}

/** The id of the key that encrypts now (for diagnostics; never the key). */
export function currentKeyId(): string {
  return keyring().current.id;
}

function aad(id: string): Buffer {
  return Buffer.from(`${FORMAT}.${id}`, 'utf8');
}

/** Encrypts with the current key. Each call uses a fresh IV, so equal inputs give different tokens. */
export function encryptSecret(plain: string): string {
  const { current } = keyring();
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', current.bytes, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(current.id));
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [FORMAT, current.id, iv.toString('base64url'), tag.toString('base64url'), ct.toString('base64url')].join('.');
}

interface ParsedToken {
  id: string;
  iv: Buffer;
  tag: Buffer;
  ct: Buffer;
}

function parseToken(token: string): ParsedToken {
  const parts = token.split('.');
  if (parts.length !== 5 || parts[0] !== FORMAT) {
    throw new SecretDecryptError(`Not an encrypted secret (expected the ${FORMAT} format).`);
  }
  const [, id, iv, tag, ct] = parts as [string, string, string, string, string];
  const b64 = /^[A-Za-z0-9_-]*$/;
  if (!/^[0-9a-f]{16}$/.test(id) || !b64.test(iv) || !b64.test(tag) || !b64.test(ct)) {
    throw new SecretDecryptError('Encrypted secret is malformed.');
  }
  const parsed = { id, iv: Buffer.from(iv, 'base64url'), tag: Buffer.from(tag, 'base64url'), ct: Buffer.from(ct, 'base64url') };
  if (parsed.iv.length !== IV_BYTES || parsed.tag.length !== TAG_BYTES) throw new SecretDecryptError('Encrypted secret is malformed.');
  return parsed;
}

/** The key id a token was sealed with. */
export function secretKeyIdOf(token: string): string {
  return parseToken(token).id;
}

/** Decrypts a token sealed with the current or a previous key. Throws SecretDecryptError otherwise. */
export function decryptSecret(token: string): string {
  const t = parseToken(token);
  const key = keyring().all.get(t.id);
  if (!key) {
    throw new SecretDecryptError(
      `Secret was encrypted with key ${t.id}, which is neither PAIDLINE_SECRET_KEY nor in PAIDLINE_SECRET_KEY_PREVIOUS. ` +
        'Set the key it was encrypted with as PAIDLINE_SECRET_KEY_PREVIOUS, or enter the secret again.',
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, t.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(t.id));
    decipher.setAuthTag(t.tag);
    return Buffer.concat([decipher.update(t.ct), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretDecryptError('Encrypted secret failed authentication: it was altered or corrupted.');
  }
}

/** True when the token is sealed with a key other than the current one. */
export function needsReencryption(token: string): boolean {
  return parseToken(token).id !== keyring().current.id;
}

/** Re-seals a token with the current key (unchanged when it already uses it). */
export function reencryptSecret(token: string): string {
  if (!needsReencryption(token)) {
    decryptSecret(token); // still verify it
    return token;
  }
  return encryptSecret(decryptSecret(token));
}

/** Forgets the cached keys (tests that change the environment). */
export function resetSecretKeyCache(): void {
  cache = null;
}
