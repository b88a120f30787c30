import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// Next.js telemetry sends usage data to the internet: never from Paidline (air-gapped servers too).
process.env.NEXT_TELEMETRY_DISABLED = '1';

/** The environment every Next.js child runs with: telemetry off, whatever the caller passed. */
export function nextEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, NEXT_TELEMETRY_DISABLED: '1' };
}

/** The Next.js CLI entry, run with this Node binary (no npx round trip). */
export function nextCommand(args: string[]): [string, string[]] {
  const require = createRequire(import.meta.url);
  return [process.execPath, [require.resolve('next/dist/bin/next'), ...args]];
}

/**
 * Runs Paidline's server (scripts/serve.mjs: Next.js behind a server that knows each client's socket
 * address) in the foreground: signals are passed on, the exit code is ours. Takes `next start`'s
 * -p/-H options. onReady runs once when the server reports it is listening.
 */
export function startNext(args: string[], env: NodeJS.ProcessEnv, onReady?: () => void): void {
  const serve = fileURLToPath(new URL('../serve.mjs', import.meta.url));
  const server = spawn(process.execPath, [serve, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: nextEnv(env) });
  let ready = false;
  server.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    if (!ready && /Ready|started server/i.test(chunk.toString())) {
      ready = true;
      onReady?.();
    }
  });
  const stop = () => server.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.on('exit', (code) => process.exit(code ?? 0));
}
