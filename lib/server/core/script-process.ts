/**
 * Work run in a Node process of its own (`node --import tsx scripts/<name>.ts`): a ledger pass on
 * SQLite, the rows of a large upload. The request goes as one JSON line on stdin, the answer comes back
 * as one line "RESULT {...}" on stdout, a failure as "ERROR <message as JSON>" (the stack on stderr).
 * With `holdStdin`, stdin stays open while the parent waits: the child's stdin ends when its parent
 * dies, so the child can stop instead of working on for nobody.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { HEAP_GROWTH_FLAG } from './heap';

/** Parent side: runs scripts/<script> with `request` and resolves with its RESULT. */
export function runScript<T>(script: string, request: unknown, env: Record<string, string>, opts: { holdStdin?: boolean; nodeFlags?: readonly string[]; describe: (why: string) => string }): Promise<T> {
  const root = process.env.PAIDLINE_ROOT?.trim() || process.cwd();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HEAP_GROWTH_FLAG, ...(opts.nodeFlags ?? []), '--import', 'tsx', path.join(root, 'scripts', script)], {
      cwd: root,
      env: { ...process.env, ...env, NODE_ENV: process.env.NODE_ENV ?? 'production' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-8000)));
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin.destroy();
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) return resolve(JSON.parse(line.slice(7)) as T);
      const error = stdout.split('\n').find((l) => l.startsWith('ERROR '));
      const why = error ? (JSON.parse(error.slice(6)) as string) : stderr.trim().split('\n').slice(-1)[0] || `exit code ${code}`;
      reject(new Error(opts.describe(why)));
    });
    child.stdin.on('error', () => {});
    const text = `${JSON.stringify(request)}\n`;
    if (opts.holdStdin) child.stdin.write(text);
    else child.stdin.end(text);
  });
}

/** Child side: the request (the first line on stdin). With `exitWhenOrphaned`, the process exits when stdin ends afterwards. */
export function readScriptRequest<T>(opts: { exitWhenOrphaned?: boolean } = {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let text = '';
    let done = false;
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d: string) => {
      if (done) return;
      text += d;
      const end = text.indexOf('\n');
      if (end >= 0) {
        done = true;
        resolve(JSON.parse(text.slice(0, end)) as T);
      }
    });
    process.stdin.on('end', () => {
      if (!done) {
        done = true;
        if (text.trim()) resolve(JSON.parse(text) as T);
        else reject(new Error('no request on stdin'));
      } else if (opts.exitWhenOrphaned) process.exit(1);
    });
  });
}

/** Child side: runs `main`, prints its RESULT (or ERROR) and exits 0 (or 1). */
export function runScriptMain(main: () => Promise<unknown>): void {
  main().then(
    (result) => {
      process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stdout.write(`ERROR ${JSON.stringify(message.replace(/\s+/g, ' ').trim())}\n`);
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
