/** What a command runs with, and how it names sources and reconciliations (by id or by name). */
import type { CommandSpec, Values } from './args';
import type { ReconciliationList, Reconciliation, Source, SourceList } from './api-types';
import { CliError, type Client } from './client';
import { EXIT } from './exit-codes';
import type { Io } from './output';

export type Ctx = {
  client: Client;
  io: Io;
  values: Values;
  positionals: string[];
  /** --json: print the API's JSON. */
  json: boolean;
  command: CommandSpec;
};

/** A command: its grammar and what it does; it returns its exit code (0 when it returns nothing). */
export type Command = CommandSpec & { run(ctx: Ctx): Promise<number | void> };

function pick<T extends { id: string; name: string }>(items: readonly T[], ref: string, what: string, list: string): T {
  const byId = items.find((x) => x.id === ref);
  if (byId) return byId;
  const exact = items.filter((x) => x.name === ref);
  if (exact.length === 1) return exact[0]!;
  const folded = items.filter((x) => x.name.toLowerCase() === ref.trim().toLowerCase());
  if (folded.length === 1) return folded[0]!;
  if (exact.length > 1 || folded.length > 1) throw new CliError(`Several ${what}s are named "${ref}": use its id (${list}).`, EXIT.usage);
  throw new CliError(`No ${what} "${ref}" (${list} lists them).`, EXIT.notFound);
}

/** Resolves sources by id or name with one list request per command. */
export class Names {
  private sources?: Promise<Source[]>;
  private recs?: Promise<Reconciliation[]>;
  constructor(private readonly client: Client) {}

  async source(ref: string): Promise<Source> {
    this.sources ??= this.client.get<SourceList>('/sources').then((r) => r.items);
    return pick(await this.sources, ref, 'source', 'paidline sources list');
  }

  async sourceIds(refs: readonly string[]): Promise<string[]> {
    return Promise.all(refs.map(async (r) => (await this.source(r)).id));
  }

  async reconciliation(ref: string): Promise<Reconciliation> {
    this.recs ??= this.client.get<ReconciliationList>('/reconciliations').then((r) => r.items);
    return pick(await this.recs, ref, 'reconciliation', 'paidline reconciliations list');
  }
}
