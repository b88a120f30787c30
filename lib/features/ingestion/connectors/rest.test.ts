import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectorError,
  nextFromLinkHeader,
  parseRetryAfter,
  pullRecords,
  RestConnectorConfigSchema,
  type JsonRecord,
  type PullOptions,
  type PullState,
  type RestConnectorConfigInput,
  type RestCredentials,
} from './rest';
import { fakeSleep, makePayments, startPaymentApi, type PaymentApi } from './payment-api.test-helper';

let api: PaymentApi;
beforeAll(async () => {
  api = await startPaymentApi(makePayments(7));
});
afterAll(async () => {
  await api.close();
});
afterEach(() => {
  api.faults = {};
  api.requests = [];
  api.payments = makePayments(7);
});

async function collect(
  config: RestConnectorConfigInput,
  opts: PullOptions = {},
  state: PullState | null = null,
  credentials: RestCredentials | null = null,
): Promise<{ records: JsonRecord[]; state: PullState }> {
  const records: JsonRecord[] = [];
  const gen = pullRecords(config, credentials, state, opts);
  for (;;) {
    const n = await gen.next();
    if (n.done) return { records, state: n.value };
    records.push(n.value);
  }
}

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectorError);
    return e as ConnectorError;
  }
  throw new Error('expected the pull to fail');
}

const stripeLike = (path = '/v1/charges'): RestConnectorConfigInput => ({
  url: `${api.url}${path}`,
  query: { limit: '3' },
  recordsPath: 'data',
  pagination: { type: 'cursor', cursorParam: 'starting_after', hasMorePath: 'has_more' },
});

describe('pagination', () => {
  it('follows has_more + starting_after (Stripe style) across pages', async () => {
    const { records } = await collect(stripeLike());
    expect(records.map((r) => r.id)).toEqual(['py_001', 'py_002', 'py_003', 'py_004', 'py_005', 'py_006', 'py_007']);
    expect(api.requests.map((r) => r.url.searchParams.get('starting_after'))).toEqual([null, 'py_003', 'py_006']);
  });

  it('follows a next-cursor field at a nested path', async () => {
    const { records } = await collect({
      url: `${api.url}/wrapped`,
      query: { limit: '4' },
      recordsPath: 'result.items',
      pagination: { type: 'cursor', cursorParam: 'cursor', cursorPath: 'meta.next' },
    });
    expect(records).toHaveLength(7);
    expect(api.requests).toHaveLength(2);
  });

  it('pages by number and size until a short page', async () => {
    const { records } = await collect({ url: `${api.url}/p`, pagination: { type: 'page', pageParam: 'page', sizeParam: 'per_page', size: 2 } });
    expect(records).toHaveLength(7);
    expect(api.requests.map((r) => [r.url.searchParams.get('page'), r.url.searchParams.get('per_page')])).toEqual([
      ['1', '2'], ['2', '2'], ['3', '2'], ['4', '2'],
    ]);
  });

  it('follows rel="next" Link headers, and refuses one to another host', async () => {
    const { records } = await collect({ url: `${api.url}/linked`, query: { limit: '3' }, pagination: { type: 'link' } });
    expect(records).toHaveLength(7);
    const e = await failure(collect({ url: `${api.url}/evil`, query: { limit: '3' }, auth: 'bearer', pagination: { type: 'link' } }, {}, null, { token: 'sk_live_TOKEN' }));
    expect(e.message).toMatch(/another host \(http:\/\/evil\.example\)/);
  });

  it('stops at maxPages with a clear error', async () => {
    const e = await failure(collect({ ...stripeLike(), maxPages: 2 }));
    expect(e.kind).toBe('max_pages');
    expect(e.message).toMatch(/Stopped after 2 pages/);
  });

  it('accepts pagination "none" and a body that is the array', async () => {
    const { records } = await collect({ url: `${api.url}/v1/charges`, query: { limit: '100' }, pagination: 'none' });
    expect(records).toHaveLength(7);
    const e = await failure(collect({ url: `${api.url}/v1/charges`, recordsPath: 'nope' }));
    expect(e.message).toMatch(/Page 1 .* has no array at "nope"/);
  });
});

describe('auth', () => {
  it('sends the bearer token in the header, never in the URL or in errors', async () => {
    const { records } = await collect({ ...stripeLike('/secret'), auth: 'bearer' }, {}, null, { token: 'sk_live_TOKEN' });
    expect(records).toHaveLength(7);
    expect(api.requests.every((r) => r.authorization === 'Bearer sk_live_TOKEN' && !r.url.href.includes('TOKEN'))).toBe(true);
    const e = await failure(collect({ ...stripeLike('/secret'), auth: 'bearer' }, {}, null, { token: 'sk_live_WRONG' }));
    expect(e.kind).toBe('http');
    expect(e.details.status).toBe(401);
    expect(e.message).toContain(`GET ${api.url}/secret?limit=3`);
    expect(e.message).not.toContain('WRONG');
  });

  it('sends basic credentials', async () => {
    await collect({ ...stripeLike(), auth: 'basic' }, {}, null, { username: 'u', password: 'p w' });
    expect(api.requests[0]?.authorization).toBe(`Basic ${Buffer.from('u:p w').toString('base64')}`);
  });

  it('refuses missing credentials and credentials in the config', async () => {
    await expect(collect({ ...stripeLike(), auth: 'bearer' })).rejects.toThrow(/needs a token/);
    expect(RestConnectorConfigSchema.safeParse({ url: 'https://user:pw@api.example.com' }).success).toBe(false);
    expect(RestConnectorConfigSchema.safeParse({ url: 'https://api.example.com', headers: { Authorization: 'x' } }).success).toBe(false);
    expect(RestConnectorConfigSchema.safeParse({ url: 'ftp://api.example.com' }).success).toBe(false);
  });
});

describe('retries and errors', () => {
  it('retries a 500 with exponential backoff and jitter, then succeeds', async () => {
    api.faults.errors500 = 2;
    const { sleep, delays } = fakeSleep();
    const { records } = await collect({ ...stripeLike(), backoffMs: 100 }, { sleep, random: () => 0.5 });
    expect(records).toHaveLength(7);
    expect(delays).toEqual([75, 150]); // 100*2^n, between half and all of it
  });

  it('gives up after maxRetries with the status and URL', async () => {
    api.faults.errors500 = 10;
    const { sleep, delays } = fakeSleep();
    const e = await failure(collect({ ...stripeLike(), maxRetries: 2 }, { sleep }));
    expect(delays).toHaveLength(2);
    expect(e.message).toMatch(/^HTTP 500 Internal Server Error from GET http:\/\/127\.0\.0\.1:\d+\/v1\/charges\?limit=3 \(page 1, after 3 attempts\)/);
  });

  it('does not retry a 401 (not a transient status)', async () => {
    const { sleep, delays } = fakeSleep();
    // /secret without a token answers 401
    const e = await failure(collect({ ...stripeLike('/secret') }, { sleep }));
    expect(e.details.status).toBe(401);
    expect(delays).toEqual([]);
  });

  it('honours Retry-After on 429', async () => {
    api.faults.tooMany = { count: 1, retryAfter: '2' };
    const { sleep, delays } = fakeSleep();
    const { records } = await collect(stripeLike(), { sleep });
    expect(records).toHaveLength(7);
    expect(delays).toEqual([2000]);
  });

  it('fails rather than wait for a Retry-After longer than allowed', async () => {
    api.faults.tooMany = { count: 1, retryAfter: '3600' };
    const e = await failure(collect(stripeLike(), { sleep: fakeSleep().sleep }));
    expect(e.kind).toBe('retry_after');
  });

  it('times out a page that never answers, retries, then fails clearly', async () => {
    api.faults.hangOnPage = 2;
    const { sleep, delays } = fakeSleep();
    const e = await failure(collect({ ...stripeLike(), timeoutMs: 150, maxRetries: 1 }, { sleep }));
    expect(e.kind).toBe('timeout');
    expect(e.message).toMatch(/Timed out after 150 ms waiting for GET .*starting_after=py_003 \(page 2, 2 attempts\)/);
    expect(delays).toHaveLength(1);
  });

  it('reports malformed JSON with the page number', async () => {
    api.faults.malformedOnPage = 2;
    const seen: JsonRecord[] = [];
    const gen = pullRecords(stripeLike(), null, null, {});
    const e = await failure((async () => { for await (const r of gen) seen.push(r); })());
    expect(e.kind).toBe('json');
    expect(e.message).toMatch(/Malformed JSON on page 2 from GET/);
    expect(seen).toHaveLength(3); // the caller must discard them: no state was returned
  });

  it('can be cancelled', async () => {
    api.faults.hangOnPage = 1;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const e = await failure(collect({ ...stripeLike(), timeoutMs: 10_000 }, { signal: controller.signal }));
    expect(e.kind).toBe('aborted');
  });

  it('parses Retry-After and Link headers', () => {
    expect(parseRetryAfter('5')).toBe(5000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(nextFromLinkHeader('<https://a/x?p=2>; rel="next", <https://a/x?p=9>; rel="last"')).toBe('https://a/x?p=2');
    expect(nextFromLinkHeader('<https://a/x?p=9>; rel="last"')).toBeNull();
  });
});

describe('incremental pulls', () => {
  const inc = (): RestConnectorConfigInput => ({
    ...stripeLike(),
    incremental: { param: 'created[gte]', field: 'created', format: 'unix' },
  });

  it('returns the watermark, then only fetches newer records without repeating the boundary', async () => {
    const first = await collect(inc());
    expect(first.records).toHaveLength(7);
    const maxCreated = Math.max(...api.payments.map((p) => p.created));
    expect(first.state).toEqual({ watermark: maxCreated, boundary: ['id:py_007'] });

    api.payments.push(...makePayments(2, 8));
    api.requests = [];
    const second = await collect(inc(), {}, first.state);
    expect(second.records.map((r) => r.id)).toEqual(['py_008', 'py_009']);
    expect(api.requests[0]?.url.searchParams.get('created[gte]')).toBe(String(maxCreated));
    expect(second.state.watermark).toBe(maxCreated + 120);

    const third = await collect(inc(), {}, second.state);
    expect(third.records).toEqual([]);
    expect(third.state).toEqual(second.state);
  });

  it('keeps a record that shares the watermark but was not seen yet', async () => {
    const first = await collect(inc());
    const wm = first.state.watermark as number;
    api.payments.push({ id: 'py_late', amount: 1, currency: 'eur', status: 'succeeded', created: wm });
    const second = await collect(inc(), {}, first.state);
    expect(second.records.map((r) => r.id)).toEqual(['py_late']);
    expect(second.state.boundary?.sort()).toEqual(['id:py_007', 'id:py_late']);
  });

  it('fails when a record lacks the watermark field', async () => {
    api.payments[2] = { ...api.payments[2]!, created: undefined as unknown as number };
    const e = await failure(collect({ ...inc(), incremental: { param: 'since', field: 'created' } }));
    expect(e.message).toMatch(/no usable "created"/);
  });
});
