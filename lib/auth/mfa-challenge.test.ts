import { describe, expect, it } from 'vitest';
import { createChallenge, readChallenge } from './mfa-challenge';

const T = 1_750_000_020_000; // ms, 20 s into a 30 s step

describe('sign-in challenge', () => {
  process.env.AUTH_SECRET ??= 'unit-test-secret-0123456789abcdef0123456789';

  it('round-trips, expires after 5 minutes and cannot be altered', () => {
    const token = createChallenge({ userId: 'u1', sessionVersion: 3 }, T);
    expect(readChallenge(token, T + 60_000)).toEqual({ userId: 'u1', sessionVersion: 3, nonce: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/) });
    expect(readChallenge(token, T + 5 * 60_000 + 1_000)).toBeNull();
    const [body, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), u: 'admin' })).toString('base64url');
    expect(readChallenge(`${forged}.${mac}`, T)).toBeNull();
    expect(readChallenge(`${body}.${mac}x`, T)).toBeNull();
    expect(readChallenge('garbage', T)).toBeNull();
  });
});
