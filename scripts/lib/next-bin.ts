import { createRequire } from 'node:module';

/** The Next.js CLI entry, run with this Node binary (no npx round trip). */
export function nextCommand(args: string[]): [string, string[]] {
  const require = createRequire(import.meta.url);
  return [process.execPath, [require.resolve('next/dist/bin/next'), ...args]];
}
