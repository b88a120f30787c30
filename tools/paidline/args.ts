/**
 * The command line's grammar: `paidline [global options] <command> [<subcommand>] [options] [arguments]`.
 * Every command declares its options for node's util.parseArgs (strict: an unknown option is a usage
 * error, exit 2) and how many positional arguments it takes. Options may come before or after the
 * command words.
 */
import { parseArgs } from 'node:util';
import { EXIT } from './exit-codes';

export type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string; description: string; value?: string };
export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export type CommandSpec = {
  /** The words that call it: "sources list", "romi", "romi rows". */
  name: string;
  /** Other words that call it ("reconciliations list" for "reconciliation list"). */
  aliases?: string[];
  summary: string;
  /** After the command words: "<id|name> --file profile.json". */
  usage?: string;
  options?: Record<string, OptionSpec>;
  positionals?: { min: number; max: number; names?: string };
  /** More lines for --help. */
  details?: string;
};

/** Options every command takes. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: { type: 'string', value: 'url', description: 'The Paidline server (default: $PAIDLINE_URL, else http://localhost:3000)' },
  token: { type: 'string', value: 'token', description: 'A personal access token pl_... (default: $PAIDLINE_TOKEN)' },
  json: { type: 'boolean', description: 'Print the API\'s JSON on stdout instead of a table' },
  help: { type: 'boolean', short: 'h', description: 'Show help' },
};

export class UsageError extends Error {
  readonly exitCode = EXIT.usage;
  constructor(
    message: string,
    readonly command?: CommandSpec,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Parsed<C extends CommandSpec = CommandSpec> =
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'run'; command: C; values: Values; positionals: string[] };

const GLOBAL_STRINGS = new Set(Object.entries(GLOBAL_OPTIONS).filter(([, o]) => o.type === 'string').map(([k]) => `--${k}`));

/** The words of the command line that name the command (options and their values left out). */
function commandWords(argv: readonly string[]): { words: string[]; rest: string[] } {
  const words: string[] = [];
  const rest: string[] = [];
  let i = 0;
  // Leading global options (`paidline --url X sources list`).
  while (i < argv.length && argv[i]!.startsWith('-')) {
    rest.push(argv[i]!);
    if (GLOBAL_STRINGS.has(argv[i]!) && i + 1 < argv.length) rest.push(argv[++i]!);
    i++;
  }
  while (i < argv.length && words.length < 2 && !argv[i]!.startsWith('-')) words.push(argv[i++]!);
  return { words, rest: [...rest, ...argv.slice(i)] };
}

function allNames(c: CommandSpec): string[] {
  return [c.name, ...(c.aliases ?? [])];
}

/** The command the words call: two words when a two-word command has them, else one. */
export function findCommand<C extends CommandSpec>(commands: readonly C[], words: readonly string[]): { command: C; used: number } | null {
  if (words.length >= 2) {
    const two = `${words[0]} ${words[1]}`;
    const c = commands.find((x) => allNames(x).includes(two));
    if (c) return { command: c, used: 2 };
  }
  if (words.length >= 1) {
    const c = commands.find((x) => allNames(x).includes(words[0]!));
    if (c) return { command: c, used: 1 };
  }
  return null;
}

/** Commands whose first word is this group ("sources" -> sources list, sources create...). */
export function groupOf(commands: readonly CommandSpec[], word: string): CommandSpec[] {
  return commands.filter((c) => allNames(c).some((n) => n.split(' ')[0] === word && n.includes(' ')));
}

export function parseCommandLine<C extends CommandSpec>(commands: readonly C[], argv: readonly string[]): Parsed<C> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) return { kind: 'version' };
  const { words, rest } = commandWords(argv);
  const wantsHelp = rest.includes('--help') || rest.includes('-h') || words[0] === 'help';
  if (words[0] === 'help') words.shift();
  if (!words.length) {
    if (wantsHelp || !argv.length) return { kind: 'help', text: mainHelp(commands) };
    throw new UsageError('Name a command.');
  }
  const found = findCommand(commands, words);
  if (!found) {
    const group = groupOf(commands, words[0]!);
    if (group.length) {
      if (wantsHelp || words.length === 1) {
        if (wantsHelp) return { kind: 'help', text: groupHelp(words[0]!, group) };
        throw new UsageError(`"${words[0]}" needs a subcommand: ${group.map((c) => c.name.split(' ')[1]).join(', ')}.`);
      }
      throw new UsageError(`Unknown command "${words.join(' ')}". ${words[0]} takes: ${group.map((c) => c.name.split(' ')[1]).join(', ')}.`);
    }
    throw new UsageError(`Unknown command "${words[0]}". Run paidline --help for the list.`);
  }
  const { command, used } = found;
  if (wantsHelp) return { kind: 'help', text: commandHelp(command) };
  // Words after the command's own are its first positional arguments.
  const args = [...words.slice(used), ...rest];
  const options = { ...GLOBAL_OPTIONS, ...(command.options ?? {}) };
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({
      args,
      options: Object.fromEntries(Object.entries(options).map(([k, o]) => [k, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) }])),
      allowPositionals: true,
      strict: true,
    }) as { values: Values; positionals: string[] };
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument starting with a '-'.*$/s, '.'), command);
  }
  const { min, max } = command.positionals ?? { min: 0, max: 0 };
  if (parsed.positionals.length < min) throw new UsageError(`Missing ${command.positionals?.names ?? 'argument'}.`, command);
  if (parsed.positionals.length > max) throw new UsageError(`Unexpected argument${parsed.positionals.length - max > 1 ? 's' : ''}: ${parsed.positionals.slice(max).join(' ')}.`, command);
  return { kind: 'run', command, values: parsed.values, positionals: parsed.positionals };
}

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([k, o]) => [`${o.short ? `-${o.short}, ` : ''}--${k}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}${o.multiple ? ' ...' : ''}`, o.description] as const);
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`);
}

export function usageLine(c: CommandSpec): string {
  return `paidline ${c.name}${c.usage ? ` ${c.usage}` : ''}`;
}

export function commandHelp(c: CommandSpec): string {
  const lines = [`Usage: ${usageLine(c)}`, '', c.summary];
  if (c.aliases?.length) lines.push(`Also: ${c.aliases.map((a) => `paidline ${a}`).join(', ')}`);
  if (c.details) lines.push('', c.details);
  if (c.options && Object.keys(c.options).length) lines.push('', 'Options:', ...optionLines(c.options));
  lines.push('', 'Global options:', ...optionLines(GLOBAL_OPTIONS), '', EXIT_HELP);
  return `${lines.join('\n')}\n`;
}

function groupHelp(word: string, group: CommandSpec[]): string {
  const width = Math.max(...group.map((c) => usageLine(c).length));
  return `${[`paidline ${word} <subcommand>`, '', ...group.map((c) => `  ${usageLine(c).padEnd(width)}  ${c.summary}`), '', `paidline ${word} <subcommand> --help shows its options.`].join('\n')}\n`;
}

export const EXIT_HELP = `Exit codes: 0 done; 1 failed (an upload failed, was blocked or waits for a decision; a timeout);
2 usage error or input the API refused (400); 3 not signed in or not allowed (401, 403: a bad,
expired or read-only token); 4 not found (404); 5 conflict (409: a stale version, a taken name);
6 server or network error (5xx, 429 after retries, no connection).`;

export function mainHelp(commands: readonly CommandSpec[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `${[
    'paidline: the Paidline API from the command line.',
    '',
    'Usage: paidline <command> [options]       (in the project: npm run --silent paidline -- <command>)',
    '',
    'Set PAIDLINE_URL (http://localhost:3000) and PAIDLINE_TOKEN (a personal access token from',
    'Account -> API tokens, or npm run token:create), or pass --url and --token.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'paidline <command> --help shows its options. Tables go to stdout, progress and errors to stderr.',
    '',
    EXIT_HELP,
  ].join('\n')}\n`;
}

/** A string option's value. */
export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A repeatable string option's values. */
export function strs(values: Values, name: string): string[] {
  const v = values[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}

export function bool(values: Values, name: string): boolean {
  return values[name] === true;
}

/** A value among a few, or a usage error naming them. */
export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${what} is one of: ${allowed.join(', ')} (not "${value}").`);
}

/** A whole number option. */
export function int(value: string | undefined, what: string, opts: { min?: number; max?: number } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || (opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
    throw new UsageError(`${what} is a whole number${opts.min !== undefined ? ` from ${opts.min}` : ''}${opts.max !== undefined ? ` to ${opts.max}` : ''} (not "${value}").`);
  }
  return n;
}

/** "A=B" into its two sides (split at the first "="); both non-empty. */
export function pair(text: string, what: string, example: string): [string, string] {
  const at = text.indexOf('=');
  const left = at < 0 ? '' : text.slice(0, at).trim();
  const right = at < 0 ? '' : text.slice(at + 1).trim();
  if (!left || !right) throw new UsageError(`${what} is written "${example}" (not "${text}").`);
  return [left, right];
}

/** "Bank=0:5" (or "Bank=0..5", "Bank=3": exactly that day offset) into a date window in days. */
export function windowOf(text: string): { name: string; min: number; max: number } {
  const [name, range] = pair(text, '--window', 'Operating bank=0:5');
  const m = /^(-?\d+)\s*(?::|\.\.)\s*(-?\d+)$/.exec(range) ?? /^(-?\d+)$/.exec(range);
  if (!m) throw new UsageError(`--window is written "Operating bank=0:5" (days from:to after the first source), not "${text}".`);
  const min = Number(m[1]);
  const max = Number(m[2] ?? m[1]);
  if (min > max) throw new UsageError(`--window ${text}: the first day (${min}) is after the last (${max}).`);
  return { name, min, max };
}
