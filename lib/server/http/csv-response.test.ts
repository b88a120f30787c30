import { describe, expect, it } from 'vitest';
import { csvResponse } from './csv-response';

describe('csvResponse', () => {
  it('streams the chunks as a CSV download with a safe file name', async () => {
    async function* rows() {
      yield 'a,b\n';
      yield '1,2\n';
    }
    const res = csvResponse('bad rows/../x.csv', rows());
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="bad_rows_.._x.csv"');
    expect(await res.text()).toBe('a,b\n1,2\n');
  });

  it('stops reading when the download is cancelled', async () => {
    let produced = 0;
    let finished = false;
    async function* rows() {
      try {
        for (;;) {
          produced++;
          yield 'x\n';
        }
      } finally {
        finished = true;
      }
    }
    const reader = csvResponse('x.csv', rows()).body!.getReader();
    await reader.read();
    await reader.cancel();
    expect(finished).toBe(true);
    expect(produced).toBeLessThan(5);
  });
});
