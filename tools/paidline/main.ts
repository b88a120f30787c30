/**
 * paidline: the Paidline API (/api/v1) from the command line. It talks to the API only: a token,
 * HTTP, JSON. main() takes the arguments and where to write, and returns the exit code (exit-codes.ts).
 */
import { parseCommandLine, str, UsageError, usageLine } from './args';
import { ApiError, CliError, Client } from './client';
import { COMMANDS } from './commands';
import { EXIT } from './exit-codes';
import type { Io } from './output';

export const VERSION = '1.0.0';

export type MainOptions = { fetch?: typeof fetch; sleep?: (ms: number) => Promise<void> };

/** The error on stderr: the problem's detail, each field's message, the request id to quote. */
export function reportError(io: Io, error: unknown): number {
  if (error instanceof UsageError) {
    io.stderr.write(`paidline: ${error.message}\n`);
    io.stderr.write(error.command ? `Usage: ${usageLine(error.command)}\n(paidline ${error.command.name} --help shows every option)\n` : 'Run paidline --help for the commands.\n');
    return EXIT.usage;
  }
  if (error instanceof ApiError) {
    const p = error.problem;
    io.stderr.write(`paidline: ${p.detail}\n`);
    for (const [field, message] of Object.entries(p.errors ?? {})) if (!p.detail.includes(message)) io.stderr.write(`  ${field}: ${message}\n`);
    io.stderr.write(`  (HTTP ${p.status}${p.code ? ` ${p.code}` : ''}${p.requestId ? `, request ${p.requestId}` : ''})\n`);
    return error.exitCode;
  }
  if (error instanceof CliError) {
    io.stderr.write(`paidline: ${error.message}\n${error.hint ? `${error.hint}\n` : ''}`);
    return error.exitCode;
  }
  io.stderr.write(`paidline: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT.failed;
}

export async function main(argv: readonly string[], io: Io, opts: MainOptions = {}): Promise<number> {
  try {
    const parsed = parseCommandLine(COMMANDS, argv);
    if (parsed.kind === 'help') {
      io.stdout.write(parsed.text);
      return EXIT.ok;
    }
    if (parsed.kind === 'version') {
      io.stdout.write(`paidline ${VERSION}\n`);
      return EXIT.ok;
    }
    const { command, values, positionals } = parsed;
    const url = str(values, 'url') ?? io.env.PAIDLINE_URL ?? 'http://localhost:3000';
    try {
      new URL(url);
    } catch {
      throw new UsageError(`--url / PAIDLINE_URL is not a URL: "${url}" (e.g. http://localhost:3000).`);
    }
    const client = new Client({ url, token: str(values, 'token') ?? io.env.PAIDLINE_TOKEN, fetch: opts.fetch, sleep: opts.sleep, userAgent: `paidline-cli/${VERSION}` });
    const code = await command.run({ client, io, values, positionals, json: values.json === true, command });
    return code ?? EXIT.ok;
  } catch (error) {
    return reportError(io, error);
  }
}

