/**
 * A generic REST connector: pages through a JSON API and yields its records.
 *
 * - config (Source.connectorConfig, no secrets) and credentials (encrypted elsewhere) are separate;
 *   credentials only ever travel in the Authorization header, never in a URL or a message.
 * - pagination: none, cursor (a next-cursor field, or has_more + the last record's id like
 *   Stripe's starting_after), page number + size, or next links (a JSON field or the Link header,
 *   same origin only so credentials never leak to another host).
 * - incremental pulls: a query parameter carries the watermark (largest value of a record field
 *   seen so far); records at or before it that were already seen are skipped, so `gte` filters
 *   do not duplicate the boundary records.
 * - every request has a timeout; 408/425/429/5xx and network errors are retried with exponential
 *   backoff and jitter, honouring Retry-After; a max-pages guard stops runaway pagination.
 * The generator returns the new state only after the last page: a failed pull advances nothing.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isOutboundBlocked, outboundErrorMessage, outboundFetch } from '@/lib/server/http/outbound';

const name = z.string().trim().min(1).max(200);

const NonePagination = z.object({ type: z.literal('none') }).strict();
const CursorPagination = z
  .object({
    type: z.literal('cursor'),
    /** Query parameter receiving the cursor (e.g. "cursor", "starting_after"). */
    cursorParam: name,
    /** JSON path of the next cursor in the body (e.g. "next_cursor", "meta.next"); empty/null ends. */
    cursorPath: name.optional(),
    /** Or: JSON path of a has-more flag, the cursor being the last record's `lastIdField`. */
    hasMorePath: name.optional(),
    lastIdField: name.default('id'),
  })
  .strict()
  .refine((p) => (p.cursorPath === undefined) !== (p.hasMorePath === undefined), {
    message: 'cursor pagination needs either cursorPath or hasMorePath (not both)',
  });
const PagePagination = z
  .object({
    type: z.literal('page'),
    pageParam: name,
    sizeParam: name.optional(),
    size: z.number().int().min(1).max(10_000).default(100),
    startPage: z.number().int().min(0).default(1),
  })
  .strict();
const LinkPagination = z
  .object({
    type: z.literal('link'),
    /** JSON path of the next page's URL; without it, the Link header's rel="next". */
    nextPath: name.optional(),
  })
  .strict();

export const PaginationSchema = z.union([
  z.literal('none').transform(() => ({ type: 'none' as const })),
  z.discriminatedUnion('type', [NonePagination, CursorPagination, PagePagination, LinkPagination]),
]);

const FORBIDDEN_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'api-key']);

export const RestConnectorConfigSchema = z
  .object({
    url: z
      .string()
      .trim()
      .refine((u) => {
        try {
          const p = new URL(u);
          return (p.protocol === 'https:' || p.protocol === 'http:') && !p.username && !p.password;
        } catch {
          return false;
        }
      }, 'url must be an http(s) URL without credentials in it (credentials go in the connector credentials)'),
    method: z.literal('GET').default('GET'),
    /** Extra query parameters (not secret: they are stored and shown in clear). */
    query: z.record(name, z.string().max(1000)).default({}),
    /** Extra headers (not secret); credentials go through `auth`. */
    headers: z
      .record(name, z.string().max(1000))
      .default({})
      .refine((h) => Object.keys(h).every((k) => !FORBIDDEN_HEADERS.has(k.toLowerCase())), 'credentials go in the connector credentials, not in headers'),
    auth: z.enum(['none', 'bearer', 'basic']).default('none'),
    /** JSON path of the records array in each page ("data", "result.items"); "" when the body is the array. */
    recordsPath: z.string().trim().max(200).default('data'),
    pagination: PaginationSchema.default({ type: 'none' }),
    incremental: z
      .object({
        /** Query parameter carrying the watermark, e.g. "created[gte]" or "since". */
        param: name,
        /** Record field whose largest value becomes the watermark, e.g. "created" or "updated_at". */
        field: name,
        format: z.enum(['unix', 'iso']).default('unix'),
        /** Field identifying a record, to skip the boundary records of a `gte` filter. */
        idField: name.default('id'),
        /** Watermark for the very first pull (otherwise everything is fetched). */
        initial: z.union([z.number(), z.string()]).optional(),
      })
      .strict()
      .optional(),
    timeoutMs: z.number().int().min(100).max(300_000).default(30_000),
    maxRetries: z.number().int().min(0).max(10).default(3),
    backoffMs: z.number().int().min(0).max(60_000).default(1_000),
    maxBackoffMs: z.number().int().min(0).max(600_000).default(30_000),
    /** Longest Retry-After honoured; a longer one fails the pull instead of stalling it. */
    maxRetryAfterMs: z.number().int().min(0).max(3_600_000).default(120_000),
    maxPages: z.number().int().min(1).max(100_000).default(1_000),
    /**
     * abort (default): any record the profile rejects fails the pull, so the watermark stays and
     * the records come again once the profile is fixed. valid_only: commit the valid ones and
     * move on (the rejected ones are listed in the ingestion's errors and not fetched again).
     */
    onInvalid: z.enum(['abort', 'valid_only']).default('abort'),
  })
  .strict();
export type RestConnectorConfig = z.output<typeof RestConnectorConfigSchema>;
export type RestConnectorConfigInput = z.input<typeof RestConnectorConfigSchema>;

export const RestCredentialsSchema = z
  .object({
    token: z.string().min(1).max(4096).optional(),
    username: z.string().min(1).max(1024).optional(),
    password: z.string().max(4096).optional(),
  })
  .strict();
export type RestCredentials = z.infer<typeof RestCredentialsSchema>;

/** Checks that the credentials fit the auth type; returns a message or null. */
export function credentialsProblem(auth: RestConnectorConfig['auth'], c: RestCredentials | null | undefined): string | null {
  if (auth === 'bearer' && !c?.token) return 'Bearer authentication needs a token.';
  if (auth === 'basic' && (!c?.username || c.password === undefined)) return 'Basic authentication needs a username and a password.';
  return null;
}

/** What an incremental pull remembers between runs (Source.pullState). */
export const PullStateSchema = z
  .object({
    watermark: z.union([z.number(), z.string()]).optional(),
    /** Ids of records exactly at the watermark, already ingested. */
    boundary: z.array(z.string()).optional(),
  })
  .passthrough();
export type PullState = z.infer<typeof PullStateSchema>;

export type ConnectorErrorKind = 'config' | 'http' | 'timeout' | 'network' | 'json' | 'shape' | 'max_pages' | 'aborted' | 'retry_after' | 'blocked';

export class ConnectorError extends Error {
  override name = 'ConnectorError';
  constructor(
    readonly kind: ConnectorErrorKind,
    message: string,
    readonly details: { url?: string; page?: number; status?: number; attempts?: number } = {},
  ) {
    super(message);
  }
}

export interface PullOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** Waits between retries (tests inject a fast one). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** [0, 1) for jitter. */
  random?: () => number;
  /** Called with the delay chosen before each retry (monitoring, tests). */
  onRetry?: (info: { page: number; attempt: number; delayMs: number; reason: string }) => void;
}

export type JsonRecord = Record<string, unknown>;

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Reads a dotted path ("a.b.0.c"); "" is the value itself. */
export function getPath(value: unknown, path: string): unknown {
  if (path === '') return value;
  let cur: unknown = value;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** The URL as shown in messages: no user info (there never is any), query kept. */
function shown(url: URL): string {
  return `${url.origin}${url.pathname}${url.search}`;
}

/** rel="next" of a Link header. */
export function nextFromLinkHeader(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const m = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (m && /rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?/i.test(m[2] ?? '')) return m[1] ?? null;
  }
  return null;
}

/** Retry-After in ms (seconds or an HTTP date), or null. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

function authHeader(config: RestConnectorConfig, credentials: RestCredentials | null): string | null {
  if (config.auth === 'bearer') return `Bearer ${credentials?.token ?? ''}`;
  if (config.auth === 'basic') {
    return `Basic ${Buffer.from(`${credentials?.username ?? ''}:${credentials?.password ?? ''}`, 'utf8').toString('base64')}`;
  }
  return null;
}

function watermarkValue(v: unknown, format: 'unix' | 'iso'): number | null {
  if (format === 'unix') {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    return Number.isFinite(n) ? n : null;
  }
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

function fingerprint(record: JsonRecord, idField: string): string {
  const id = getPath(record, idField);
  if (typeof id === 'string' || typeof id === 'number') return `id:${id}`;
  return `sha256:${createHash('sha256').update(JSON.stringify(record)).digest('hex')}`;
}

const MAX_BOUNDARY = 1000;

/**
 * Yields every record of a pull, then returns the new state. Throws ConnectorError with the
 * HTTP status, the URL (never credentials) and the page number.
 */
export async function* pullRecords(
  configInput: RestConnectorConfig | RestConnectorConfigInput,
  credentials: RestCredentials | null,
  state: PullState | null,
  opts: PullOptions = {},
): AsyncGenerator<JsonRecord, PullState, void> {
  const config = RestConnectorConfigSchema.parse(configInput);
  const problem = credentialsProblem(config.auth, credentials);
  if (problem) throw new ConnectorError('config', problem);
  const fetchImpl = opts.fetch ?? outboundFetch;
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  const auth = authHeader(config, credentials);
  const inc = config.incremental;
  const pg = config.pagination;

  const baseUrl = new URL(config.url);
  for (const [k, v] of Object.entries(config.query)) baseUrl.searchParams.set(k, v);
  const previous = state?.watermark ?? inc?.initial;
  if (inc && previous !== undefined) baseUrl.searchParams.set(inc.param, String(previous));
  const prevValue = inc && previous !== undefined ? watermarkValue(previous, inc.format) : null;
  const prevBoundary = new Set(state?.watermark !== undefined ? (state.boundary ?? []) : []);

  let maxValue = prevValue;
  let maxRaw: string | number | undefined = previous;
  let boundary = new Set(prevBoundary);

  const throwIfAborted = () => {
    if (opts.signal?.aborted) throw new ConnectorError('aborted', 'The pull was cancelled.');
  };

  async function fetchPage(url: URL, page: number): Promise<{ body: unknown; headers: Headers }> {
    const headers: Record<string, string> = { Accept: 'application/json', ...config.headers };
    if (auth) headers.Authorization = auth;
    for (let attempt = 0; ; attempt++) {
      throwIfAborted();
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, config.timeoutMs);
      const onOuterAbort = () => controller.abort();
      opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
      let retryReason: string;
      let retryAfterMs: number | null = null;
      try {
        const res = await fetchImpl(url, { method: 'GET', headers, signal: controller.signal, redirect: 'follow' });
        if (res.ok) {
          const text = await res.text();
          clearTimeout(timer);
          try {
            return { body: JSON.parse(text) as unknown, headers: res.headers };
          } catch (e) {
            throw new ConnectorError('json', `Malformed JSON on page ${page} from GET ${shown(url)}: ${(e as Error).message}`, { url: shown(url), page, status: res.status });
          }
        }
        const snippet = (await res.text().catch(() => '')).replace(/\s+/g, ' ').trim().slice(0, 200);
        if (!RETRYABLE.has(res.status) || attempt >= config.maxRetries) {
          throw new ConnectorError(
            'http',
            `HTTP ${res.status} ${res.statusText} from GET ${shown(url)} (page ${page}${attempt > 0 ? `, after ${attempt + 1} attempts` : ''})${snippet ? `: ${snippet}` : ''}`,
            { url: shown(url), page, status: res.status, attempts: attempt + 1 },
          );
        }
        retryReason = `HTTP ${res.status}`;
        if (res.status === 429 || res.status === 503) retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      } catch (e) {
        if (e instanceof ConnectorError) throw e;
        // A refused address is not worth retrying: the URL points inside the network.
        if (isOutboundBlocked(e)) throw new ConnectorError('blocked', `GET ${shown(url)}: ${outboundErrorMessage(e)}`, { url: shown(url), page });
        if (opts.signal?.aborted) throw new ConnectorError('aborted', 'The pull was cancelled.', { url: shown(url), page });
        if (timedOut) {
          if (attempt >= config.maxRetries) {
            throw new ConnectorError('timeout', `Timed out after ${config.timeoutMs} ms waiting for GET ${shown(url)} (page ${page}, ${attempt + 1} attempts)`, { url: shown(url), page, attempts: attempt + 1 });
          }
          retryReason = 'timeout';
        } else {
          const cause = (e as { cause?: { code?: string; message?: string } }).cause;
          const why = cause?.code ?? cause?.message ?? (e as Error).message;
          if (attempt >= config.maxRetries) {
            throw new ConnectorError('network', `Network error on GET ${shown(url)} (page ${page}, ${attempt + 1} attempts): ${why}`, { url: shown(url), page, attempts: attempt + 1 });
          }
          retryReason = `network error: ${why}`;
        }
      } finally {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onOuterAbort);
      }
      let delay: number;
      if (retryAfterMs !== null) {
        if (retryAfterMs > config.maxRetryAfterMs) {
          throw new ConnectorError('retry_after', `GET ${shown(url)} (page ${page}) asked to retry after ${Math.ceil(retryAfterMs / 1000)} s, longer than the ${Math.ceil(config.maxRetryAfterMs / 1000)} s allowed; try the pull later.`, { url: shown(url), page });
        }
        delay = retryAfterMs;
      } else {
        const exp = Math.min(config.maxBackoffMs, config.backoffMs * 2 ** attempt);
        delay = Math.round(exp / 2 + random() * (exp / 2));
      }
      opts.onRetry?.({ page, attempt: attempt + 1, delayMs: delay, reason: retryReason });
      try {
        await sleep(delay, opts.signal);
      } catch {
        throw new ConnectorError('aborted', 'The pull was cancelled.', { url: shown(url), page });
      }
    }
  }

  let url: URL | null = new URL(baseUrl);
  let pageNo = pg.type === 'page' ? pg.startPage : 0;
  if (pg.type === 'page') {
    url.searchParams.set(pg.pageParam, String(pageNo));
    if (pg.sizeParam) url.searchParams.set(pg.sizeParam, String(pg.size));
  }
  let page = 0;
  let lastCursor: string | null = null;
  while (url) {
    page++;
    if (page > config.maxPages) {
      throw new ConnectorError('max_pages', `Stopped after ${config.maxPages} pages (maxPages) at GET ${shown(url)}; nothing was committed. Raise maxPages or narrow the query.`, { url: shown(url), page });
    }
    const { body, headers } = await fetchPage(url, page);
    const list = getPath(body, config.recordsPath);
    if (!Array.isArray(list)) {
      throw new ConnectorError('shape', `Page ${page} from GET ${shown(url)} has no array at "${config.recordsPath || '(the body)'}".`, { url: shown(url), page });
    }
    for (let i = 0; i < list.length; i++) {
      const rec = list[i] as unknown;
      if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
        throw new ConnectorError('shape', `Record ${i + 1} on page ${page} from GET ${shown(url)} is not a JSON object.`, { url: shown(url), page });
      }
      const record = rec as JsonRecord;
      if (inc) {
        const raw = getPath(record, inc.field);
        const v = watermarkValue(raw, inc.format);
        if (v === null) {
          throw new ConnectorError('shape', `Record ${i + 1} on page ${page} has no usable "${inc.field}" (${inc.format}) to advance the watermark.`, { url: shown(url), page });
        }
        const fp = fingerprint(record, inc.idField);
        if (prevValue !== null && (v < prevValue || (v === prevValue && prevBoundary.has(fp)))) continue;
        if (maxValue === null || v > maxValue) {
          maxValue = v;
          maxRaw = inc.format === 'unix' ? v : String(raw);
          boundary = new Set([fp]);
        } else if (v === maxValue && boundary.size < MAX_BOUNDARY) {
          boundary.add(fp);
        }
      }
      throwIfAborted();
      yield record;
    }

    // next page
    let next: URL | null = null;
    if (pg.type === 'cursor') {
      let cursor: unknown;
      if (pg.cursorPath) cursor = getPath(body, pg.cursorPath);
      else if (getPath(body, pg.hasMorePath as string) === true && list.length > 0) cursor = getPath(list[list.length - 1], pg.lastIdField);
      if (cursor !== undefined && cursor !== null && cursor !== '' && list.length > 0) {
        const c = String(cursor);
        if (c === lastCursor) throw new ConnectorError('shape', `The cursor did not advance on page ${page} of GET ${shown(url)} ("${c.slice(0, 100)}").`, { url: shown(url), page });
        lastCursor = c;
        next = new URL(baseUrl);
        next.searchParams.set(pg.cursorParam, c);
      }
    } else if (pg.type === 'page') {
      if (list.length > 0 && list.length >= pg.size) {
        pageNo++;
        next = new URL(baseUrl);
        next.searchParams.set(pg.pageParam, String(pageNo));
        if (pg.sizeParam) next.searchParams.set(pg.sizeParam, String(pg.size));
      }
    } else if (pg.type === 'link') {
      const link = pg.nextPath ? getPath(body, pg.nextPath) : nextFromLinkHeader(headers.get('link'));
      if (typeof link === 'string' && link !== '') {
        next = new URL(link, url);
        if (next.origin !== baseUrl.origin) {
          throw new ConnectorError('shape', `The next-page link on page ${page} points to another host (${next.origin}); refusing to send credentials there.`, { url: shown(url), page });
        }
        if (next.href === url.href) throw new ConnectorError('shape', `The next-page link on page ${page} points to the same page.`, { url: shown(url), page });
      }
    }
    url = next;
  }

  if (!inc) return { ...(state ?? {}) };
  if (maxRaw === undefined) return {};
  return { watermark: maxRaw, boundary: [...boundary] };
}
