import { parseArgs } from 'node:util';

/** Minimal flag parsing for the CLI scripts, with an actionable message on bad input. */
export function parseFlags<T extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(options: T, usage: string) {
  try {
    return parseArgs({ options, allowPositionals: true, strict: true });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
}
