import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { resetSecretKeyCache } from '@/lib/server/crypto/secrets';
import { configureConnector, getConnectorSettings, runPull } from '@/lib/features/ingestion/connectors/run-pull';
import type { RestConnectorConfigInput } from '@/lib/features/ingestion/connectors/rest';
import { fakeSleep, makePayments, startPaymentApi, type PaymentApi } from '@/lib/features/ingestion/connectors/payment-api.test-helper';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';

const profile = {
  dataset: 'payments',
  columns: { id: 'id', status: 'status', date: 'created', amount: 'amount', currency: 'currency' },
  amount: { units: 'minor' },
  date: { format: 'epoch_s', timeZone: 'UTC' },
};
const TOKEN = 'sk_live_TOKEN';

describe.each(DATABASE_KINDS)('API pulls on %s', (kind) => {
  let db: TestDatabase;
  let api: PaymentApi;
  let sourceId: string;
  let actor: { id: string; email: string };
  const config = (over: Partial<RestConnectorConfigInput> = {}): RestConnectorConfigInput => ({
    url: `${api.url}/secret`,
    query: { limit: '3' },
    auth: 'bearer',
    recordsPath: 'data',
    pagination: { type: 'cursor', cursorParam: 'starting_after', hasMorePath: 'has_more' },
    incremental: { param: 'created[gte]', field: 'created', format: 'unix' },
    timeoutMs: 200,
    maxRetries: 2,
    ...over,
  });
  const pull = (over: { sleep?: (ms: number) => Promise<void> } = {}) => runPull(sourceId, actor, { db: db.prisma, sleep: over.sleep ?? fakeSleep().sleep });
  const source = () => db.prisma.source.findUniqueOrThrow({ where: { id: sourceId } });

  beforeAll(async () => {
    vi.stubEnv('PAIDLINE_SECRET_KEY', randomBytes(32).toString('base64'));
    resetSecretKeyCache();
    db = await createTestDatabase(kind);
    api = await startPaymentApi(makePayments(7));
    const user = await db.prisma.user.create({ data: { email: 'ana@example.com', name: 'Ana', passwordHash: 'x', role: 'analyst' } });
    actor = { id: user.id, email: user.email };
    const s = await db.prisma.source.create({ data: { name: 'Payments API', kind: 'gateway' } });
    sourceId = s.id;
    await db.prisma.sourceProfileVersion.create({ data: { sourceId, version: 1, profile: JSON.stringify(profile) } });
  });
  afterEach(() => {
    api.faults = {};
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
    vi.unstubAllEnvs();
    resetSecretKeyCache();
  });

  it('configures the connector: config in clear, credentials encrypted, audit without the secret', async () => {
    const settings = await configureConnector(sourceId, config(), { token: TOKEN }, '*/15 * * * *', actor, { db: db.prisma });
    expect(settings).toMatchObject({ schedule: '*/15 * * * *', hasCredentials: true });
    expect(JSON.stringify(settings)).not.toContain(TOKEN);
    const row = await source();
    expect(row.connectorCredentialsEnc).toMatch(/^pl1\./);
    expect(row.connectorCredentialsEnc).not.toContain(TOKEN);
    expect(JSON.parse(row.connectorConfig!).url).toBe(`${api.url}/secret`);
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'source.connector.configure' } });
    expect(`${audit.before}${audit.after}`).not.toContain(TOKEN);
    expect(JSON.parse(audit.after!)).toMatchObject({ hasCredentials: true, credentialsChanged: true, schedule: '*/15 * * * *' });
    const read = await getConnectorSettings(sourceId, { db: db.prisma });
    expect(read?.hasCredentials).toBe(true);
    expect(JSON.stringify(read)).not.toContain(TOKEN);
  });

  it('refuses bad settings with clear messages and changes nothing', async () => {
    const before = await source();
    await expect(configureConnector(sourceId, config(), { token: TOKEN }, 'every day', actor, { db: db.prisma })).rejects.toThrow(/Invalid pull schedule "every day"/);
    await expect(configureConnector(sourceId, config({ url: 'not a url' }), undefined, null, actor, { db: db.prisma })).rejects.toMatchObject({ code: 'invalid_input', status: 400 });
    await expect(configureConnector(sourceId, config({ url: 'https://elsewhere.example/v1' }), undefined, null, actor, { db: db.prisma }))
      .rejects.toThrow(/another host: enter the credentials again/);
    expect(await source()).toEqual(before);
  });

  it('pulls every page into a committed ingestion and saves the watermark', async () => {
    const result = await pull();
    expect(result).toMatchObject({ status: 'committed', rowsTotal: 7, rowsValid: 7, rowsInvalid: 0 });
    const ing = await db.prisma.ingestion.findUniqueOrThrow({ where: { id: result.ingestionId } });
    const v1 = await db.prisma.sourceProfileVersion.findFirstOrThrow({ where: { sourceId } });
    expect(ing).toMatchObject({ channel: 'pull', status: 'committed', profileVersionId: v1.id, rowsValid: 7, createdById: actor.id });
    const recs = await db.prisma.sourceRecord.findMany({ where: { ingestionId: ing.id }, orderBy: { line: 'asc' } });
    expect(recs).toHaveLength(7);
    expect(recs[0]).toMatchObject({ key: 'PY_001', txId: 'py_001', amountMinor: 1001n, currency: 'EUR', status: 'Paid', code: 'succeeded', line: 1, eventId: null });
    expect(recs[4]).toMatchObject({ key: 'PY_005', status: 'Failed' });
    expect(JSON.parse(recs[0]!.raw!)).toMatchObject({ id: 'py_001', amount: 1001 });
    const s = await source();
    expect(JSON.parse(s.pullState!)).toEqual({ watermark: api.payments[6]!.created, boundary: ['id:py_007'] });
    expect(s.lastPulledAt).not.toBeNull();
    expect(s.lastIngestedAt).not.toBeNull();
    const audits = await db.prisma.auditLog.findMany({ where: { entityId: ing.id }, orderBy: { createdAt: 'asc' } });
    expect(audits.map((a) => a.action)).toEqual(['ingestion.pull.start', 'ingestion.pull.commit']);
    expect(JSON.parse(audits[1]!.after!)).toMatchObject({ rowsValid: 7, totalsMinor: { EUR: String(7 * 1000 + 28) } });
    expect(api.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('a second pull only fetches newer records', async () => {
    api.payments.push(...makePayments(2, 8));
    api.requests = [];
    const result = await pull();
    expect(result).toMatchObject({ status: 'committed', rowsValid: 2 });
    const recs = await db.prisma.sourceRecord.findMany({ where: { ingestionId: result.ingestionId } });
    expect(recs.map((r) => r.txId).sort()).toEqual(['py_008', 'py_009']);
    expect(api.requests[0]?.url.searchParams.get('created[gte]')).toBe(String(api.payments[6]!.created));
    expect(await db.prisma.sourceRecord.count({ where: { sourceId } })).toBe(9);
  });

  it('retries a 500 and still commits', async () => {
    api.payments.push(...makePayments(1, 10));
    api.faults.errors500 = 1;
    const { sleep, delays } = fakeSleep();
    const result = await pull({ sleep });
    expect(result).toMatchObject({ status: 'committed', rowsValid: 1 });
    expect(delays).toHaveLength(1);
  });

  it('refuses a connector URL inside the network (SSRF) without trying again: nothing reaches the server', async () => {
    const saved = process.env.PAIDLINE_OUTBOUND_ALLOW;
    process.env.PAIDLINE_OUTBOUND_ALLOW = '';
    try {
      const before = api.requests.length;
      const { sleep, delays } = fakeSleep();
      const result = await pull({ sleep });
      expect(result.status).toBe('failed');
      expect(result.message).toMatch(/Refused to connect to 127\.0\.0\.1: a loopback address is not reachable from Paidline\. .*PAIDLINE_OUTBOUND_ALLOW/);
      expect(delays).toHaveLength(0);
      expect(api.requests.length).toBe(before);
    } finally {
      process.env.PAIDLINE_OUTBOUND_ALLOW = saved;
    }
  });

  it('malformed JSON on a later page fails the pull: nothing written, watermark kept', async () => {
    const stateBefore = (await source()).pullState;
    const recordsBefore = await db.prisma.sourceRecord.count();
    api.payments.push(...makePayments(5, 11));
    api.faults.malformedOnPage = 2;
    const result = await pull();
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/Malformed JSON on page 2 from GET http:\/\/127\.0\.0\.1:\d+\/secret/);
    expect(result.message).not.toContain(TOKEN);
    const ing = await db.prisma.ingestion.findUniqueOrThrow({ where: { id: result.ingestionId } });
    expect(ing).toMatchObject({ status: 'failed', rowsValid: 0 });
    expect(ing.message).toMatch(/Malformed JSON/);
    expect(await db.prisma.sourceRecord.count({ where: { ingestionId: ing.id } })).toBe(0);
    expect(await db.prisma.sourceRecord.count()).toBe(recordsBefore);
    expect((await source()).pullState).toBe(stateBefore);
    expect(await db.prisma.auditLog.count({ where: { entityId: ing.id, action: 'ingestion.pull.failed' } })).toBe(1);
  });

  it('a server that never answers times out, is retried, then the pull fails cleanly', async () => {
    const stateBefore = (await source()).pullState;
    api.faults.hangOnPage = 2;
    const { sleep, delays } = fakeSleep();
    const result = await pull({ sleep });
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/Timed out after 200 ms waiting for GET .* \(page 2, 3 attempts\)/);
    expect(delays).toHaveLength(2);
    expect(await db.prisma.sourceRecord.count({ where: { ingestionId: result.ingestionId } })).toBe(0);
    expect((await source()).pullState).toBe(stateBefore);
  });

  it('honours Retry-After on 429 and then commits what the failed pulls missed', async () => {
    api.faults.tooMany = { count: 1, retryAfter: '1' };
    const { sleep, delays } = fakeSleep();
    const result = await pull({ sleep });
    expect(delays).toEqual([1000]);
    expect(result).toMatchObject({ status: 'committed', rowsValid: 5 });
    expect(await db.prisma.sourceRecord.count({ where: { sourceId } })).toBe(15);
  });

  it('aborts on records the profile rejects (errors kept, watermark kept), or commits the valid ones with valid_only', async () => {
    const stateBefore = (await source()).pullState;
    const last = api.payments[api.payments.length - 1]!.created;
    api.payments.push({ id: 'py_bad', amount: 12.5, currency: 'eur', status: 'succeeded', created: last + 60 });
    api.payments.push({ id: 'py_good', amount: 700, currency: 'eur', status: 'succeeded', created: last + 120 });
    const aborted = await pull();
    expect(aborted.status).toBe('failed');
    expect(aborted.message).toMatch(/1 of 2 records do not fit the profile/);
    const errors = await db.prisma.ingestionError.findMany({ where: { ingestionId: aborted.ingestionId } });
    expect(errors).toEqual([expect.objectContaining({ line: 1, column: 'amount', value: '12.5' })]);
    expect(await db.prisma.sourceRecord.count({ where: { ingestionId: aborted.ingestionId } })).toBe(0);
    expect((await source()).pullState).toBe(stateBefore);

    await configureConnector(sourceId, config({ onInvalid: 'valid_only' }), undefined, null, actor, { db: db.prisma });
    const partial = await pull();
    expect(partial).toMatchObject({ status: 'committed', rowsValid: 1, rowsInvalid: 1 });
    expect((await db.prisma.sourceRecord.findFirstOrThrow({ where: { ingestionId: partial.ingestionId } })).txId).toBe('py_good');
  });

  it('refuses a second concurrent pull of the same source', async () => {
    api.faults.hangOnPage = 1;
    const first = runPull(sourceId, null, { db: db.prisma, sleep: async () => { await new Promise((r) => setTimeout(r, 50)); } });
    await new Promise((r) => setTimeout(r, 100));
    await expect(runPull(sourceId, null, { db: db.prisma })).rejects.toMatchObject({ code: 'busy', status: 409 });
    expect((await first).status).toBe('failed');
  });

  it('refuses to pull without a connector or a profile', async () => {
    const bare = await db.prisma.source.create({ data: { name: 'Bare', kind: 'bank' } });
    await expect(runPull(bare.id, null, { db: db.prisma })).rejects.toThrow(/no API connector configured/);
    await configureConnector(bare.id, { url: `${api.url}/v1/charges` }, undefined, null, null, { db: db.prisma });
    await expect(runPull(bare.id, null, { db: db.prisma })).rejects.toThrow(/no profile yet/);
    expect(await db.prisma.ingestion.count({ where: { sourceId: bare.id } })).toBe(0);
  });

  it('changing the URL resets the watermark', async () => {
    await configureConnector(sourceId, config({ url: `${api.url}/secret?v=2` }), undefined, null, actor, { db: db.prisma });
    expect((await source()).pullState).toBeNull();
  });
});
