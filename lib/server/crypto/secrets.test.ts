import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  SecretDecryptError,
  SecretKeyError,
  currentKeyId,
  decryptSecret,
  encryptSecret,
  needsReencryption,
  reencryptSecret,
  resetSecretKeyCache,
  secretKeyIdOf,
} from './secrets';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'paidline-secrets-'));
  vi.stubEnv('PAIDLINE_SECRET_KEY', keyA);
  vi.stubEnv('PAIDLINE_SECRET_KEY_PREVIOUS', '');
  vi.stubEnv('PAIDLINE_SECRET_KEY_FILE', path.join(dir, 'nested', '.secret-key'));
  resetSecretKeyCache();
});
afterEach(() => {
  vi.unstubAllEnvs();
  resetSecretKeyCache();
  rmSync(dir, { recursive: true, force: true });
});

function flipChar(s: string, index: number): string {
  const c = s[index];
  return s.slice(0, index) + (c === 'A' ? 'B' : 'A') + s.slice(index + 1);
}

describe('encryptSecret / decryptSecret', () => {
  it('round-trips text, including unicode and the empty string', () => {
    for (const plain of ['whsec_abc123', '', 'pässwörd ✓ 🔑', 'x'.repeat(10_000)]) {
      const token = encryptSecret(plain);
      expect(token).not.toContain(plain || 'never-empty');
      expect(decryptSecret(token)).toBe(plain);
    }
  });

  it('uses a fresh IV: the same secret encrypts differently each time', () => {
    expect(encryptSecret('same')).not.toBe(encryptSecret('same'));
  });

  it('carries the format version and the key id', () => {
    const token = encryptSecret('s');
    const parts = token.split('.');
    expect(parts[0]).toBe('pl1');
    expect(parts[1]).toBe(currentKeyId());
    expect(secretKeyIdOf(token)).toBe(currentKeyId());
  });

  it('detects tampering with the ciphertext, the tag, the IV or the key id', () => {
    const token = encryptSecret('a secret worth protecting');
    const parts = token.split('.');
    for (const i of [2, 3, 4]) {
      const altered = [...parts];
      altered[i] = flipChar(altered[i] as string, 0);
      expect(() => decryptSecret(altered.join('.'))).toThrow(SecretDecryptError);
    }
    expect(() => decryptSecret(token.slice(0, -2))).toThrow(SecretDecryptError);
    expect(() => decryptSecret(`pl2${token.slice(3)}`)).toThrow(/format/);
    expect(() => decryptSecret('plain text')).toThrow(SecretDecryptError);
  });

  it('refuses a token from another key with an actionable message and no secret in it', () => {
    const token = encryptSecret('from key A');
    vi.stubEnv('PAIDLINE_SECRET_KEY', keyB);
    resetSecretKeyCache();
    let message = '';
    try {
      decryptSecret(token);
    } catch (e) {
      expect(e).toBeInstanceOf(SecretDecryptError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/PAIDLINE_SECRET_KEY_PREVIOUS/);
    expect(message).not.toContain('from key A');
    expect(message).not.toContain(keyA);
  });

  it('a forged key id pointing at the wrong key fails authentication', () => {
    vi.stubEnv('PAIDLINE_SECRET_KEY_PREVIOUS', keyB);
    resetSecretKeyCache();
    const token = encryptSecret('x');
    vi.stubEnv('PAIDLINE_SECRET_KEY', keyB);
    vi.stubEnv('PAIDLINE_SECRET_KEY_PREVIOUS', keyA);
    resetSecretKeyCache();
    const idB = currentKeyId();
    const parts = token.split('.');
    parts[1] = idB;
    expect(() => decryptSecret(parts.join('.'))).toThrow(/altered or corrupted/);
  });

  it('rejects keys that are not 32 bytes', () => {
    vi.stubEnv('PAIDLINE_SECRET_KEY', Buffer.from('short').toString('base64'));
    resetSecretKeyCache();
    expect(() => encryptSecret('x')).toThrow(SecretKeyError);
    expect(() => encryptSecret('x')).toThrow(/32 random bytes/);
  });
});

describe('key rotation', () => {
  it('decrypts with the previous key and re-encrypts with the current one', () => {
    const old = encryptSecret('rotate me');
    const oldId = secretKeyIdOf(old);
    vi.stubEnv('PAIDLINE_SECRET_KEY', keyB);
    vi.stubEnv('PAIDLINE_SECRET_KEY_PREVIOUS', keyA);
    resetSecretKeyCache();
    expect(decryptSecret(old)).toBe('rotate me');
    expect(needsReencryption(old)).toBe(true);
    const fresh = reencryptSecret(old);
    expect(secretKeyIdOf(fresh)).not.toBe(oldId);
    expect(needsReencryption(fresh)).toBe(false);
    expect(reencryptSecret(fresh)).toBe(fresh);
    // once the previous key is gone, only the re-encrypted token still opens
    vi.stubEnv('PAIDLINE_SECRET_KEY_PREVIOUS', '');
    resetSecretKeyCache();
    expect(decryptSecret(fresh)).toBe('rotate me');
    expect(() => decryptSecret(old)).toThrow(SecretDecryptError);
  });

  it('accepts several previous keys, comma-separated', () => {
    const fromA = encryptSecret('a');
    vi.stubEnv('PAIDLINE_SECRET_KEY', keyB);
    resetSecretKeyCache();
    const fromB = encryptSecret('b');
    vi.stubEnv('PAIDLINE_SECRET_KEY', randomBytes(32).toString('base64'));
    vi.stubEnv('PAIDLINE_SECRET_KEY_PREVIOUS', `${keyB}, ${keyA}`);
    resetSecretKeyCache();
    expect(decryptSecret(fromA)).toBe('a');
    expect(decryptSecret(fromB)).toBe('b');
  });
});

describe('without PAIDLINE_SECRET_KEY', () => {
  it('generates a dev key once, mode 600, and reuses it', () => {
    vi.stubEnv('PAIDLINE_SECRET_KEY', '');
    vi.stubEnv('NODE_ENV', 'development');
    resetSecretKeyCache();
    const token = encryptSecret('dev');
    const file = path.join(dir, 'nested', '.secret-key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const first = readFileSync(file, 'utf8');
    expect(Buffer.from(first.trim(), 'base64')).toHaveLength(32);
    resetSecretKeyCache();
    expect(decryptSecret(token)).toBe('dev');
    expect(readFileSync(file, 'utf8')).toBe(first);
  });

  it('in demo mode generates a key even under NODE_ENV=production', () => {
    vi.stubEnv('PAIDLINE_SECRET_KEY', '');
    vi.stubEnv('NODE_ENV', 'production');
    vi.stubEnv('PAIDLINE_DEMO', '1');
    resetSecretKeyCache();
    expect(decryptSecret(encryptSecret('demo'))).toBe('demo');
  });

  it('in production throws an actionable error and writes no key', () => {
    vi.stubEnv('PAIDLINE_SECRET_KEY', '');
    vi.stubEnv('NODE_ENV', 'production');
    vi.stubEnv('PAIDLINE_DEMO', '');
    resetSecretKeyCache();
    expect(() => encryptSecret('x')).toThrow(SecretKeyError);
    expect(() => encryptSecret('x')).toThrow(/PAIDLINE_SECRET_KEY is not set.*randomBytes\(32\)/);
    expect(() => statSync(path.join(dir, 'nested', '.secret-key'))).toThrow();
  });
});
