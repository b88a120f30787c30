/**
 * The trusted-device cookie (OWASP "device cookies" against online guessing): set after a complete
 * sign-in, it tells the sign-in throttle (lib/features/users/sign-in-throttle.ts) that this browser has
 * signed in to this account before, so attacks from elsewhere on the account do not hold it back.
 * HMAC-signed with AUTH_SECRET over the e-mail, the device's random id and the expiry: it proves
 * nothing by itself (the password is still checked) and is worthless for another account.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const DEVICE_COOKIE = 'paidline-device';
export const DEVICE_COOKIE_DAYS = 180;

function mac(secret: string, email: string, id: string, expires: number): string {
  return createHmac('sha256', secret).update(`device\u0000${email.trim().toLowerCase()}\u0000${id}\u0000${expires}`).digest('base64url');
}

function secretOf(secret?: string): string | null {
  const value = secret ?? process.env.AUTH_SECRET;
  return value && value.length >= 16 ? value : null;
}

/** A new cookie value for this e-mail, or null without a configured secret. */
export function newDeviceCookie(email: string, now = Date.now(), secret?: string): string | null {
  const key = secretOf(secret);
  if (!key) return null;
  const id = randomBytes(16).toString('base64url');
  const expires = Math.floor(now / 1000) + DEVICE_COOKIE_DAYS * 86_400;
  return `${id}.${expires}.${mac(key, email, id, expires)}`;
}

/** The cookie's value from a Cookie header. */
export function deviceCookieFrom(cookieHeader: string | null | undefined): string | null {
  for (const part of (cookieHeader ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === DEVICE_COOKIE) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/** The device's id when the cookie is valid for this e-mail and not expired; otherwise null. */
export function trustedDeviceId(value: string | null | undefined, email: string, now = Date.now(), secret?: string): string | null {
  const key = secretOf(secret);
  if (!key || !value || value.length > 200) return null;
  const [id, expiresText, signature, extra] = value.split('.');
  if (!id || !expiresText || !signature || extra !== undefined || !/^\d{1,12}$/.test(expiresText)) return null;
  const expires = Number(expiresText);
  if (expires * 1000 <= now) return null;
  const expected = Buffer.from(mac(key, email, id, expires));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given) ? id : null;
}
