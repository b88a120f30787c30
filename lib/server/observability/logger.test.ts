import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, logLevel } from './logger';
import { requestIdFrom, requestIdOf } from './request-id';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('JSON logs', () => {
  it('writes one JSON object per line with level, time, service and the bound request id', () => {
    const { lines, stream } = capture();
    createLogger(stream, 'info').child({ requestId: 'req-12345678' }).info({ status: 200 }, 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', service: 'paidline', requestId: 'req-12345678', status: 200, msg: 'request' });
    expect(String(lines[0]!.time)).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('redacts passwords, tokens, secrets, cookies and authorization headers', () => {
    const { lines, stream } = capture();
    createLogger(stream, 'info').info(
      { password: 'hunter2', token: 't0k', user: { email: 'a@b.c', passwordHash: 'argon' }, req: { headers: { cookie: 'sid=1', authorization: 'Bearer x', 'set-cookie': 'a=b' } }, webhook: { secret: 'whsec' } },
      'sign-in',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['hunter2', 't0k', 'argon', 'sid=1', 'Bearer x', 'a=b', 'whsec']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ password: '[redacted]', user: { email: 'a@b.c', passwordHash: '[redacted]' }, req: { headers: { cookie: '[redacted]' } } });
  });

  it('takes the level from LOG_LEVEL, info when unset or unknown', () => {
    expect(logLevel('debug')).toBe('debug');
    expect(logLevel(' WARN ')).toBe('warn');
    expect(logLevel(undefined)).toBe('info');
    expect(logLevel('verbose')).toBe('info');
    const { lines, stream } = capture();
    const log = createLogger(stream, 'warn');
    log.info('hidden');
    log.warn('shown');
    expect(lines.map((l) => l.msg)).toEqual(['shown']);
  });
});

describe('request ids', () => {
  it('keeps a well-formed incoming id and replaces anything else', () => {
    expect(requestIdFrom(new Headers({ 'x-request-id': 'abc-12345678' }))).toBe('abc-12345678');
    for (const bad of ['short', 'has space in it', '<script>alert(1)</script>', 'x'.repeat(200)]) {
      const id = requestIdFrom(new Headers({ 'x-request-id': bad }));
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(requestIdFrom(new Headers())).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(new Headers())).toBeNull();
  });
});
