/**
 * The API client: fetch with the bearer token, problem+json errors as ApiError, and retries where a
 * retry is safe: reads, and writes sent with an Idempotency-Key (the server answers a repeated key
 * with the first answer), on a dropped connection, a 5xx or a 429 (after Retry-After). A write
 * without a key is retried on a 429 only (the server refused it before doing anything). A keyed
 * request answered 409 with Retry-After (the first attempt with that key is still running) is retried too.
 */
import { randomUUID } from 'node:crypto';
import { EXIT, exitCodeForStatus, type ExitCode } from './exit-codes';

export type Problem = { type?: string; title?: string; status: number; detail: string; code?: string; requestId?: string; errors?: Record<string, string> };

/** An error the CLI ends with: its message on stderr, its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The API answered with an error (problem+json). */
export class ApiError extends CliError {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`, exitCodeForStatus(problem.status));
    this.name = 'ApiError';
  }
}

/** No answer: the server could not be reached, or the connection dropped. */
export class NetworkError extends CliError {
  constructor(message: string, readonly url: string) {
    super(message, EXIT.server);
    this.name = 'NetworkError';
  }
}

export type RequestOptions = {
  query?: Record<string, string | number | boolean | undefined | null | readonly string[]>;
  /** A JSON body. */
  json?: unknown;
  /** A raw body, made anew for every attempt (a file stream cannot be read twice). */
  body?: () => { stream: ReadableStream<Uint8Array> | Uint8Array; headers: Record<string, string> };
  /** Sent as Idempotency-Key: the request may then be retried like a read. */
  idempotencyKey?: string;
  accept?: string;
  /** How many times to retry (default 3). */
  retries?: number;
  /** Called before a retry, to say so on stderr. */
  onRetry?: (info: { attempt: number; waitMs: number; reason: string }) => void;
};

export type ClientConfig = {
  url: string;
  token: string | undefined;
  fetch?: typeof fetch;
  /** Waits between retries (tests make it instant). */
  sleep?: (ms: number) => Promise<void>;
  userAgent?: string;
};

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
/** A Retry-After longer than this is not waited for: the error is reported. */
const MAX_RETRY_AFTER_MS = 120_000;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retry-After in milliseconds (seconds or an HTTP date), or null. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ? `${cause.code}${cause.message ? `: ${cause.message}` : ''}` : (error as Error)?.message || String(error);
}

export async function problemOf(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<Problem>;
    if (body && typeof body === 'object' && typeof body.detail === 'string') return { ...body, status: res.status, detail: body.detail, requestId: body.requestId ?? res.headers.get('x-request-id') ?? undefined };
  } catch {
    // not JSON: a proxy's page, say
  }
  return { status: res.status, title: res.statusText, detail: `HTTP ${res.status} ${res.statusText}${text && text.length < 300 ? `: ${text.trim()}` : ''}`, requestId: res.headers.get('x-request-id') ?? undefined };
}

export class Client {
  readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly sleepFn: (ms: number) => Promise<void>;

  constructor(private readonly config: ClientConfig) {
    const url = config.url.replace(/\/+$/, '');
    this.base = /\/api\/v1$/.test(url) ? url : `${url}/api/v1`;
    this.fetchFn = config.fetch ?? fetch;
    this.sleepFn = config.sleep ?? sleep;
  }

  url(path: string, query?: RequestOptions['query']): string {
    const u = new URL(this.base + path);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined || v === null || v === '') continue;
      if (Array.isArray(v)) {
        if (v.length) u.searchParams.set(k, v.join(','));
      } else u.searchParams.set(k, String(v));
    }
    return u.toString();
  }

  /** The raw response of a successful request (an ApiError for an error answer). */
  async raw(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    if (!this.config.token) {
      throw new CliError('No API token: set PAIDLINE_TOKEN or pass --token (make one under Account -> API tokens, or with npm run token:create).', EXIT.auth);
    }
    const url = this.url(path, opts.query);
    const retries = opts.retries ?? 3;
    const safe = method === 'GET' || Boolean(opts.idempotencyKey);
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {
        authorization: `Bearer ${this.config.token}`,
        accept: opts.accept ?? 'application/json',
        'user-agent': this.config.userAgent ?? 'paidline-cli',
      };
      if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
      let body: BodyInit | undefined;
      let duplex = false;
      if (opts.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(opts.json);
      } else if (opts.body) {
        const made = opts.body();
        Object.assign(headers, made.headers);
        body = made.stream as BodyInit;
        duplex = !(made.stream instanceof Uint8Array);
      }
      let res: Response;
      try {
        res = await this.fetchFn(url, { method, headers, body, ...(duplex ? { duplex: 'half' } : {}) } as RequestInit);
      } catch (error) {
        const reason = describeNetworkError(error);
        if (safe && attempt < retries) {
          const waitMs = 1000 * 2 ** attempt;
          opts.onRetry?.({ attempt: attempt + 1, waitMs, reason: `no answer (${reason})` });
          await this.sleepFn(waitMs);
          continue;
        }
        throw new NetworkError(`Could not reach ${this.base} (${reason}).${attempt ? ` Tried ${attempt + 1} times.` : ''}`, url);
      }
      if (res.ok) return res;
      // A 409 with Retry-After on a keyed request: the first attempt with this key is still running on the server.
      const stillRunning = res.status === 409 && Boolean(opts.idempotencyKey) && res.headers.has('retry-after');
      if ((stillRunning || (RETRY_STATUSES.has(res.status) && (safe || res.status === 429))) && attempt < retries) {
        const after = retryAfterMs(res.headers.get('retry-after'));
        if (after === null || after <= MAX_RETRY_AFTER_MS) {
          const waitMs = after ?? 1000 * 2 ** attempt;
          await res.body?.cancel().catch(() => undefined);
          opts.onRetry?.({ attempt: attempt + 1, waitMs, reason: `HTTP ${res.status}` });
          await this.sleepFn(waitMs);
          continue;
        }
      }
      throw new ApiError(await problemOf(res));
    }
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.raw(method, path, opts);
    const text = await res.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(`The server answered ${path} with something other than JSON (is ${this.base} a Paidline server?).`, EXIT.server);
    }
  }

  get<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  /** A write; `keyed` sends a fresh Idempotency-Key so that it is retried safely. */
  send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, json?: unknown, opts: Omit<RequestOptions, 'json'> & { keyed?: boolean } = {}): Promise<T> {
    const { keyed, ...rest } = opts;
    return this.request<T>(method, path, { ...rest, json: json ?? {}, ...(keyed && !rest.idempotencyKey ? { idempotencyKey: randomUUID() } : {}) });
  }
}
