/**
 * Stripe-style webhook signatures: header `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=...]`,
 * signed string `<t>.<raw body>`, HMAC-SHA256 with the endpoint secret.
 *
 * Any v1 may match any of the secrets (both sides rotate), comparisons are constant-time, and a
 * correctly signed delivery older or newer than the tolerance (300 s) is refused as a replay.
 * The body must be the raw bytes as received: re-serialised JSON does not verify.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const DEFAULT_TOLERANCE_SECONDS = 300;

export type SignatureFailureReason = 'missing_header' | 'malformed_header' | 'expired' | 'bad_signature';

export type SignatureResult =
  | { ok: true; timestamp: number; /** Index of the secret that matched. */ secretIndex: number }
  | { ok: false; reason: SignatureFailureReason; message: string };

export interface VerifyOptions {
  /** Allowed |now - t| in seconds (default 300). */
  toleranceSeconds?: number;
  /** Current time in unix seconds (tests). */
  now?: number;
}

export interface ParsedSignatureHeader {
  timestamp: number;
  v1: Buffer[];
}

/** Parses `t=...,v1=...`; unknown schemes (v0, ...) are ignored. Null when malformed. */
export function parseStripeSignatureHeader(header: string): ParsedSignatureHeader | null {
  let timestamp: number | null = null;
  const v1: Buffer[] = [];
  for (const item of header.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) return null;
    const k = item.slice(0, eq).trim();
    const v = item.slice(eq + 1).trim();
    if (k === 't') {
      if (!/^\d{1,12}$/.test(v) || timestamp !== null) return null;
      timestamp = Number(v);
    } else if (k === 'v1') {
      if (!/^[0-9a-fA-F]{64}$/.test(v)) return null;
      v1.push(Buffer.from(v, 'hex'));
    }
  }
  if (timestamp === null || v1.length === 0) return null;
  return { timestamp, v1 };
}

function toBuffer(body: string | Uint8Array): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** The v1 signature (hex) of a body at a timestamp: for tests and for signing outgoing hooks. */
export function signStripePayload(body: string | Uint8Array, secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(toBuffer(body)).digest('hex');
}

export function verifyStripeSignature(
  body: string | Uint8Array,
  header: string | null | undefined,
  secrets: readonly string[],
  options: VerifyOptions = {},
): SignatureResult {
  if (header === null || header === undefined || header.trim() === '') {
    return { ok: false, reason: 'missing_header', message: 'The Stripe-Signature header is missing.' };
  }
  const parsed = parseStripeSignatureHeader(header);
  if (!parsed) {
    return {
      ok: false,
      reason: 'malformed_header',
      message: 'The Stripe-Signature header is malformed: expected t=<unix seconds>,v1=<64 hex digits>.',
    };
  }
  const raw = toBuffer(body);
  let matched = -1;
  // Check every secret against every v1 without short-circuiting on the comparison itself.
  secrets.forEach((secret, index) => {
    if (!secret) return;
    const expected = createHmac('sha256', secret).update(`${parsed.timestamp}.`).update(raw).digest();
    for (const candidate of parsed.v1) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected) && matched < 0) matched = index;
    }
  });
  if (matched < 0) {
    return {
      ok: false,
      reason: 'bad_signature',
      message: secrets.length === 0
        ? 'No webhook secret is configured for this source.'
        : 'No signature matches the payload for any configured webhook secret.',
    };
  }
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - parsed.timestamp) > tolerance) {
    return {
      ok: false,
      reason: 'expired',
      message: `The signature timestamp is ${Math.abs(now - parsed.timestamp)} s away from now (more than ${tolerance} s): refused as a possible replay.`,
    };
  }
  return { ok: true, timestamp: parsed.timestamp, secretIndex: matched };
}
