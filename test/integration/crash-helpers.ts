import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './db-helpers';

// The tsx loader inside the node process itself: `tsx` the CLI runs the script in a child
// process, and a SIGKILL of the CLI would leave that child running.
const tsxLoader = createRequire(path.join(ROOT, 'package.json')).resolve('tsx');

export type Child = { proc: ChildProcess; output: () => string; exited: Promise<number | null> };

/** Starts a TypeScript entry point (tsx) in a child process of its own. */
export function spawnTs(script: string, env: Record<string, string>, args: string[] = []): Child {
  const { DATABASE_URL: _omit, ...base } = process.env;
  const proc = spawn(process.execPath, ['--import', pathToFileURL(tsxLoader).href, path.join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...base, LOG_LEVEL: 'warn', PAIDLINE_SCHEDULER: 'off', PAIDLINE_ALERT_LOOP: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

/**
 * Polls until `check` returns a value (not undefined/false), or throws after timeoutMs with the
 * child's output and what `state` says (the rows a failure needs to be understood from CI's log).
 */
export async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what: string, child?: Child, state?: () => Promise<unknown>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) {
      const seen = state ? await state().then((s) => JSON.stringify(s, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x)), (e: unknown) => `(state unreadable: ${String(e)})`) : '';
      throw new Error(`Timed out waiting for ${what}.${seen ? `\nState: ${seen}` : ''}${child ? `\nChild output:\n${child.output().slice(-3000)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** SIGKILL: no handler, no cleanup, like a machine losing power. */
export async function killHard(child: Child): Promise<void> {
  child.proc.kill('SIGKILL');
  await child.exited;
}
