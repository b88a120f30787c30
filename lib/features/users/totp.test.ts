import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import {
  checkTotp,
  consumeRecoveryCode,
  formatSecretForDisplay,
  hashRecoveryCode,
  mfaRequiredFor,
  mfaRequiredRoles,
  newRecoveryCodes,
  newTotpSecret,
  parseRecoveryHashes,
  serializeRecoveryHashes,
  totpUri,
} from './totp';

const T = 1_750_000_020_000; // ms, 20 s into a 30 s step
const step = (ms: number) => Math.floor(ms / 1000 / 30);
const codeAt = (secret: string, ms: number) => generate({ secret, epoch: Math.floor(ms / 1000) });

describe('TOTP', () => {
  const secret = newTotpSecret();

  it('makes 160-bit base32 secrets and an otpauth URI for the QR code', () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(secret);
    const uri = new URL(totpUri('ana@example.com', secret));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Paidline');
    expect(decodeURIComponent(uri.pathname)).toContain('ana@example.com');
    expect(formatSecretForDisplay('ABCDEFGHIJ')).toBe('ABCD EFGH IJ');
  });

  it('accepts the current code and returns its time step', async () => {
    expect(await checkTotp(secret, await codeAt(secret, T), null, T)).toEqual({ ok: true, step: step(T) });
  });

  it('accepts one step either side (clock drift) but not two', async () => {
    expect(await checkTotp(secret, await codeAt(secret, T - 30_000), null, T)).toEqual({ ok: true, step: step(T) - 1 });
    expect(await checkTotp(secret, await codeAt(secret, T + 30_000), null, T)).toEqual({ ok: true, step: step(T) + 1 });
    expect(await checkTotp(secret, await codeAt(secret, T - 60_000), null, T)).toEqual({ ok: false, reason: 'wrong' });
    expect(await checkTotp(secret, await codeAt(secret, T + 60_000), null, T)).toEqual({ ok: false, reason: 'wrong' });
  });

  it('refuses a code whose step was already used, or an earlier one', async () => {
    const code = await codeAt(secret, T);
    expect(await checkTotp(secret, code, step(T), T)).toEqual({ ok: false, reason: 'replayed' });
    // The previous step's code is still inside the window, but older than the last accepted one.
    expect(await checkTotp(secret, await codeAt(secret, T - 30_000), step(T), T)).toEqual({ ok: false, reason: 'replayed' });
    // The next step's code is newer: accepted.
    expect(await checkTotp(secret, await codeAt(secret, T + 30_000), step(T), T)).toEqual({ ok: true, step: step(T) + 1 });
  });

  it('refuses another secret\'s code and malformed input without throwing', async () => {
    // Fixed secrets and time, so the two codes are known to differ.
    const mine = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    const other = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const wrong = await codeAt(other, T);
    const right = await codeAt(mine, T);
    expect(wrong).not.toBe(right);
    expect(await checkTotp(mine, wrong, null, T)).toEqual({ ok: false, reason: 'wrong' });
    for (const bad of ['', '12345', '1234567', 'abcdef', '12 34 5x']) {
      expect(await checkTotp(mine, bad, null, T)).toEqual({ ok: false, reason: 'malformed' });
    }
    // Spaces and dashes typed by hand are fine.
    expect(await checkTotp(mine, `${right.slice(0, 3)} ${right.slice(3)}`, null, T)).toEqual({ ok: true, step: step(T) });
  });
});

describe('recovery codes', () => {
  it('makes 10 distinct, readable codes and stores only hashes', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    const stored = serializeRecoveryHashes(codes);
    for (const c of codes) expect(stored).not.toContain(c.replace(/-/g, ''));
    expect(parseRecoveryHashes(stored)).toEqual(codes.map(hashRecoveryCode));
  });

  it('each code works once; case, spaces and dashes do not matter', () => {
    const codes = newRecoveryCodes();
    let stored = serializeRecoveryHashes(codes);
    const first = consumeRecoveryCode(stored, ` ${codes[3]!.toUpperCase().replace(/-/g, ' ')} `);
    expect(first?.remaining).toHaveLength(9);
    stored = JSON.stringify(first!.remaining);
    expect(consumeRecoveryCode(stored, codes[3]!)).toBeNull();
    const second = consumeRecoveryCode(stored, codes[0]!);
    expect(second?.remaining).toHaveLength(8);
  });

  it('refuses unknown codes and survives junk in storage', () => {
    const stored = serializeRecoveryHashes(newRecoveryCodes());
    expect(consumeRecoveryCode(stored, 'aaaa-bbbb-cccc')).toBeNull();
    expect(consumeRecoveryCode(stored, 'short')).toBeNull();
    expect(consumeRecoveryCode(null, 'aaaa-bbbb-cccc')).toBeNull();
    expect(consumeRecoveryCode('not json', 'aaaa-bbbb-cccc')).toBeNull();
    expect(parseRecoveryHashes('[1, "x", null]')).toEqual([]);
  });
});

describe('who must use MFA', () => {
  it('defaults to admins and reviewers; configurable; empty means nobody', () => {
    expect(mfaRequiredRoles({})).toEqual(['admin', 'reviewer']);
    expect(mfaRequiredRoles({ PAIDLINE_MFA_REQUIRED_ROLES: '' })).toEqual([]);
    expect(mfaRequiredRoles({ PAIDLINE_MFA_REQUIRED_ROLES: ' Analyst, executive ,nobody' })).toEqual(['analyst', 'executive']);
    expect(mfaRequiredFor('admin', {})).toBe(true);
    expect(mfaRequiredFor('executive', {})).toBe(false);
    expect(mfaRequiredFor('admin', { PAIDLINE_MFA_REQUIRED_ROLES: '' })).toBe(false);
  });
});
