/**
 * Pieces the API's answers share: ids, timestamps, amounts (integer minor units as strings, never
 * floats), cursor pages. The answers' schemas are what the OpenAPI document shows and what the
 * contract tests check real answers against.
 */
import { z } from 'zod';

export const id = z.string().min(1).max(64);
export const timestamp = z.string().describe('ISO 8601 date-time, UTC');
export const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'A date is YYYY-MM-DD.');
/** Integer minor units (cents) as a string of digits, with a sign when negative. */
export const minor = z.string().regex(/^-?\d+$/).describe('Integer minor units (cents), as a string');
export const currency = z.string().describe('ISO 4217 code');

export const idParams = z.object({ id });
export const entryIdParams = z.object({ id: z.coerce.number().int().positive() });

/** ?cursor=&limit= on every list. */
export const pageQuery = z.object({
  cursor: z.string().max(200).optional().describe('The nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable().describe('Pass as ?cursor= for the next page; null on the last page') });
}

/** A cursor is opaque to clients: base64url JSON. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<T>(cursor: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (!cursor) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through
  }
  return undefined;
}

export const formatQuery = z.object({ format: z.enum(['json', 'csv']).default('json').describe('csv streams every row as a file (or send Accept: text/csv)') });

export const ok = z.object({ ok: z.literal(true) });
