import { z } from 'zod';
import { DEFAULT_RULE_SET, RuleSetSchema, type RuleSet } from '@/lib/reconcile';
import { getPrisma } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { InvalidRequestError } from '@/lib/server/core/app-error';

type Client = ReturnType<typeof getPrisma>;
type Actor = { id: string; email: string } | null;

/**
 * Rules whose rows are resolved without a person in the default rule set: the systems agree
 * (matched, Paid or not yet Paid) or the bank already says Paid while the gateway waits.
 */
export const DEFAULT_AUTO_RULES = ['matched-paid', 'matched-not-paid', 'bank-paid-gateway-pending', 'refunded-after-bank-credit'] as const;

export type StoredRuleSet = {
  id: string;
  name: string;
  version: number;
  description: string;
  definition: RuleSet;
  autoRules: string[];
  createdAt: Date;
};

const autoRulesSchema = z.array(z.string().min(1));

function toStored(row: { id: string; name: string; version: number; description: string; definition: string; autoRules: string; createdAt: Date }): StoredRuleSet {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    description: row.description,
    definition: RuleSetSchema.parse(JSON.parse(row.definition)),
    autoRules: autoRulesSchema.parse(JSON.parse(row.autoRules)),
    createdAt: row.createdAt,
  };
}

/**
 * Stores a new version of a rule set (validated by the engine's zod schema; automatic rules must
 * name rules of the set). Versions are immutable: the next free version number is taken.
 */
export async function saveRuleSetVersion(
  input: { definition: unknown; autoRules: string[] },
  opts: { actor: Actor; db?: Client },
): Promise<StoredRuleSet> {
  const definition = RuleSetSchema.parse(input.definition);
  const ids = new Set(definition.rules.map((r) => r.id));
  const unknown = input.autoRules.filter((id) => !ids.has(id));
  if (unknown.length) throw new InvalidRequestError(`Automatic rules must belong to the rule set; unknown: ${unknown.join(', ')}.`);
  const db = opts.db ?? getPrisma();
  return db.$transaction(async (tx) => {
    const last = await tx.ruleSet.findFirst({ where: { name: definition.id }, orderBy: { version: 'desc' }, select: { version: true } });
    const version = (last?.version ?? 0) + 1;
    const row = await tx.ruleSet.create({
      data: {
        name: definition.id,
        version,
        description: definition.description,
        definition: JSON.stringify({ ...definition, version }),
        autoRules: JSON.stringify([...new Set(input.autoRules)]),
        createdById: opts.actor?.id ?? null,
      },
    });
    await writeAudit(tx, { actor: opts.actor, action: 'ruleset.version.create', entityType: 'RuleSet', entityId: row.id, after: { name: row.name, version, autoRules: input.autoRules } });
    return toStored(row);
  });
}

/** Creates the default gateway-vs-bank rule set (v1) when no rule set exists yet. Idempotent. */
export async function ensureDefaultRuleSet(db: Client = getPrisma()): Promise<StoredRuleSet> {
  const existing = await db.ruleSet.findFirst({ where: { name: String(DEFAULT_RULE_SET.id) }, orderBy: { version: 'desc' } });
  if (existing) return toStored(existing);
  try {
    return await saveRuleSetVersion({ definition: DEFAULT_RULE_SET, autoRules: [...DEFAULT_AUTO_RULES] }, { actor: null, db });
  } catch (error) {
    // A concurrent first call created it (unique name+version): read it back.
    const row = await db.ruleSet.findFirst({ where: { name: String(DEFAULT_RULE_SET.id) }, orderBy: { version: 'desc' } });
    if (row) return toStored(row);
    throw error;
  }
}

export async function getRuleSet(id: string, db: Client = getPrisma()): Promise<StoredRuleSet | null> {
  const row = await db.ruleSet.findUnique({ where: { id } });
  return row ? toStored(row) : null;
}

/** Every version, newest first per name. */
export async function listRuleSets(db: Client = getPrisma()): Promise<StoredRuleSet[]> {
  await ensureDefaultRuleSet(db);
  const rows = await db.ruleSet.findMany({ orderBy: [{ name: 'asc' }, { version: 'desc' }] });
  return rows.map(toStored);
}
