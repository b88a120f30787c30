import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { parseStripeSignatureHeader, signStripePayload, verifyStripeSignature } from './verify-stripe-signature';

const stripe = new Stripe('sk_test_unused');
const secret = 'whsec_test_secret_one';
const other = 'whsec_test_secret_two';
const payload = JSON.stringify({ id: 'evt_1', type: 'charge.succeeded', created: 1_700_000_000, data: { object: { id: 'ch_1', amount: 1999 } } });
const now = 1_700_000_100;

function header(p: string, s: string, timestamp = now): string {
  return stripe.webhooks.generateTestHeaderString({ payload: p, secret: s, timestamp });
}

describe('verifyStripeSignature', () => {
  it('accepts a header made by the official stripe package', () => {
    const r = verifyStripeSignature(payload, header(payload, secret), [secret], { now });
    expect(r).toEqual({ ok: true, timestamp: now, secretIndex: 0 });
  });

  it('verifies raw bytes as well as strings', () => {
    const bytes = new TextEncoder().encode(payload);
    expect(verifyStripeSignature(bytes, header(payload, secret), [secret], { now }).ok).toBe(true);
  });

  it('agrees with the stripe package on our own signing', () => {
    const h = `t=${now},v1=${signStripePayload(payload, secret, now)}`;
    expect(() => stripe.webhooks.constructEvent(payload, h, secret, 300, undefined, now)).not.toThrow();
  });

  it('accepts any of several secrets (rotation) and reports which one matched', () => {
    const r = verifyStripeSignature(payload, header(payload, other), [secret, other], { now });
    expect(r).toMatchObject({ ok: true, secretIndex: 1 });
  });

  it('accepts any matching v1 among several', () => {
    const good = signStripePayload(payload, secret, now);
    const bad = signStripePayload(payload, 'whsec_wrong', now);
    expect(verifyStripeSignature(payload, `t=${now},v1=${bad},v1=${good}`, [secret], { now }).ok).toBe(true);
    expect(verifyStripeSignature(payload, `t=${now},v0=abc,v1=${good}`, [secret], { now }).ok).toBe(true);
  });

  it('reports a missing header', () => {
    for (const h of [undefined, null, '', '  ']) {
      expect(verifyStripeSignature(payload, h, [secret], { now })).toMatchObject({ ok: false, reason: 'missing_header' });
    }
  });

  it('reports a malformed header', () => {
    const sig = signStripePayload(payload, secret, now);
    for (const h of ['garbage', `v1=${sig}`, `t=${now}`, `t=abc,v1=${sig}`, `t=${now},v1=xyz`, `t=${now},t=${now},v1=${sig}`]) {
      expect(verifyStripeSignature(payload, h, [secret], { now })).toMatchObject({ ok: false, reason: 'malformed_header' });
    }
  });

  it('rejects a wrong secret, a changed body and an empty secret list', () => {
    expect(verifyStripeSignature(payload, header(payload, 'whsec_other'), [secret], { now })).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verifyStripeSignature(payload.replace('1999', '2999'), header(payload, secret), [secret], { now })).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verifyStripeSignature(payload, header(payload, secret), [], { now })).toMatchObject({
      ok: false, reason: 'bad_signature', message: expect.stringMatching(/No webhook secret/),
    });
  });

  it('rejects a timestamp that was changed after signing', () => {
    const h = header(payload, secret, now).replace(`t=${now}`, `t=${now + 1}`);
    expect(verifyStripeSignature(payload, h, [secret], { now })).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('rejects a timestamp more than 300 s away, either way, and accepts 300 s exactly', () => {
    expect(verifyStripeSignature(payload, header(payload, secret, now - 301), [secret], { now })).toMatchObject({ ok: false, reason: 'expired' });
    expect(verifyStripeSignature(payload, header(payload, secret, now + 301), [secret], { now })).toMatchObject({ ok: false, reason: 'expired' });
    expect(verifyStripeSignature(payload, header(payload, secret, now - 300), [secret], { now }).ok).toBe(true);
    expect(verifyStripeSignature(payload, header(payload, secret, now - 30), [secret], { now, toleranceSeconds: 10 })).toMatchObject({ reason: 'expired' });
  });

  it('parses headers with spaces', () => {
    const sig = signStripePayload(payload, secret, now);
    expect(parseStripeSignatureHeader(`t=${now}, v1=${sig}`)?.v1).toHaveLength(1);
  });
});
