import { z } from 'zod';
import { CanonicalStatusSchema, GlossaryMappingSchema, StatusSchema } from './glossary';
import { isValidDateFormat, isValidTimeZone } from './dates';
import { CLASSES, REASONS, SEVERITIES } from '@/lib/domain/discrepancies';

export const SOURCE_KINDS = ['gateway', 'bank', 'crm', 'erp', 'other'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export const AmountFormatSchema = z.object({
  decimalSeparator: z.enum(['.', ',']).default('.'),
  thousandsSeparator: z.enum(['', ',', '.', ' ', "'", '\u00a0', '_']).default(''),
  units: z.enum(['major', 'minor']).default('major'),
  sign: z.enum(['as_is', 'invert', 'absolute']).default('as_is'),
}).refine((f) => f.decimalSeparator !== f.thousandsSeparator, {
  message: 'decimal and thousands separators must differ',
});

/**
 * A source profile: how to read one system's export. Column names refer to the
 * raw record's fields (CSV header names, database columns...).
 */
export const SourceProfileSchema = z.object({
  name: z.string().min(1),
  kind: z.enum(SOURCE_KINDS),
  columns: z.object({
    /** Transaction id column. */
    id: z.string().min(1),
    status: z.string().min(1),
    date: z.string().min(1).optional(),
    /** Signed amount column; or use debit and/or credit (amount = credit - debit). */
    amount: z.string().min(1).optional(),
    debit: z.string().min(1).optional(),
    credit: z.string().min(1).optional(),
    /** Currency column (ISO 4217 code); otherwise `currency` below. */
    currency: z.string().min(1).optional(),
  }).refine((c) => c.amount !== undefined || c.debit !== undefined || c.credit !== undefined, {
    message: 'an amount column or debit/credit columns are required',
  }),
  /** Fixed currency code when there is no currency column. */
  currency: z.string().regex(/^[A-Z]{3}$/).optional(),
  /** Key columns (default: the id column). The date column here contributes its ISO date. */
  key: z.object({
    columns: z.array(z.string().min(1)).min(1).optional(),
    caseSensitive: z.boolean().default(false),
  }).prefault({}),
  /** The source's own codes -> canonical status (case-insensitive, trimmed). */
  statusMap: GlossaryMappingSchema.default({}),
  /** Layer statusMap over the default glossary (true) or use statusMap alone. */
  useDefaultGlossary: z.boolean().default(true),
  amount: AmountFormatSchema.prefault({}),
  date: z.object({
    format: z.string().default('iso').refine(isValidDateFormat, 'unsupported date format'),
    timeZone: z.string().default('UTC').refine(isValidTimeZone, 'unknown time zone'),
  }).prefault({}),
});
export type SourceProfileInput = z.input<typeof SourceProfileSchema>;
export type SourceProfile = z.output<typeof SourceProfileSchema>;

export const DateWindowSchema = z
  .object({ min: z.number().int().min(-366).max(366), max: z.number().int().min(-366).max(366) })
  .refine((w) => w.min <= w.max, 'the window\'s first day must not be after its last');
export type DateWindow = z.output<typeof DateWindowSchema>;

export const MatchOptionsSchema = z.object({
  /** Absolute amount tolerance in minor units. */
  amountToleranceMinor: z.number().int().nonnegative().default(0),
  /** Relative amount tolerance (0.001 = 0.1% of the larger absolute amount). */
  amountToleranceRelative: z.number().nonnegative().max(1).default(0),
  /**
   * Dates compare by calendar day, each in its source's time zone: a time of day never makes a
   * difference. Per source (the engine's order), the days its date may fall after the first source's
   * (negative: before): { min: 1, max: 3 } for a bank that books one to three days after the gateway.
   * A source without a window (null or absent) must show the same day.
   */
  dateWindowsDays: z.array(DateWindowSchema.nullable()).max(32).default([]),
  /** Older configurations: a symmetric tolerance in milliseconds, read as whole days either way. */
  dateToleranceMs: z.number().int().nonnegative().default(0),
});
export type MatchOptions = z.output<typeof MatchOptionsSchema>;

export { CLASSES, REASONS, SEVERITIES, type MatchClass, type Reason, type Severity } from '@/lib/domain/discrepancies';

/**
 * A source selector: a source name, or a kind (gateway, bank...) matching every
 * source of that kind. A name wins over a kind.
 */
const SourceConditionSchema = z.object({
  /** true: the key exists in the source; false: it is absent. */
  present: z.boolean().optional(),
  /** The source's status is one of these (implies present). */
  status: z.array(StatusSchema).min(1).optional(),
  /** The source is absent or its status is none of these. */
  notStatus: z.array(StatusSchema).min(1).optional(),
}).strict();
export type SourceCondition = z.infer<typeof SourceConditionSchema>;

export const ConditionSchema = z.object({
  class: z.array(z.enum(CLASSES)).min(1).optional(),
  /** Every one of these reasons is present. */
  reasonsAll: z.array(z.enum(REASONS)).min(1).optional(),
  /** At least one of these reasons is present. */
  reasonsAny: z.array(z.enum(REASONS)).min(1).optional(),
  /** None of these reasons is present. */
  reasonsNone: z.array(z.enum(REASONS)).min(1).optional(),
  /** agree: every present amount agrees within tolerance (2+ present); differ: they do not. */
  amount: z.enum(['agree', 'differ']).optional(),
  /** Conditions per source selector; all must hold (for every source a selector picks). */
  sources: z.record(z.string().min(1), SourceConditionSchema).optional(),
}).strict();
export type Condition = z.infer<typeof ConditionSchema>;

export const CorrectionSchema = z.object({
  /** Source selector of the system to correct. */
  source: z.string().min(1),
  /** fix: set an existing record's status; create: create the missing record. */
  op: z.enum(['set_status', 'create']),
  status: CanonicalStatusSchema,
}).strict();

export const RuleSchema = z.object({
  id: z.string().min(1).regex(/^[a-z0-9_.-]+$/i),
  description: z.string().default(''),
  when: ConditionSchema,
  then: z.object({
    /** Action id (stable, machine-readable). */
    action: z.string().min(1).regex(/^[a-z0-9_]+$/),
    /** Human instruction for the operator. */
    label: z.string().default(''),
    corrections: z.array(CorrectionSchema).default([]),
    /** Raise the row's severity to at least this. */
    severity: z.enum(SEVERITIES).optional(),
  }).strict(),
}).strict();
export type Rule = z.output<typeof RuleSchema>;

export const SeverityRuleSchema = z.object({
  id: z.string().min(1),
  description: z.string().default(''),
  when: ConditionSchema,
  severity: z.enum(SEVERITIES),
}).strict();
export type SeverityRule = z.output<typeof SeverityRuleSchema>;

export const RuleSetSchema = z.object({
  id: z.string().min(1),
  version: z.number().int().positive(),
  description: z.string().default(''),
  /** Ordered: the first rule whose condition holds gives the action. */
  rules: z.array(RuleSchema),
  /** Applied when no rule matches. */
  fallback: z.object({
    action: z.string().min(1).regex(/^[a-z0-9_]+$/),
    label: z.string().default(''),
    severity: z.enum(SEVERITIES).optional(),
  }).strict(),
  /** Severity escalations: every matching entry raises the row's severity. */
  severity: z.array(SeverityRuleSchema).default([]),
}).strict().superRefine((rs, ctx) => {
  const seen = new Set<string>();
  rs.rules.forEach((r, i) => {
    if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id ${r.id}` });
    seen.add(r.id);
  });
});
export type RuleSetInput = z.input<typeof RuleSetSchema>;
export type RuleSet = z.output<typeof RuleSetSchema>;

/** A whole run's configuration (what `--config profile.json` holds). */
export const ReconcileConfigSchema = z.object({
  sources: z.array(SourceProfileSchema).min(2),
  match: MatchOptionsSchema.prefault({}),
  rules: RuleSetSchema.optional(),
}).superRefine((c, ctx) => {
  const names = new Set<string>();
  c.sources.forEach((s, i) => {
    if (names.has(s.name)) ctx.addIssue({ code: 'custom', path: ['sources', i, 'name'], message: `duplicate source name ${s.name}` });
    names.add(s.name);
  });
});
export type ReconcileConfigInput = z.input<typeof ReconcileConfigSchema>;
export type ReconcileConfig = z.output<typeof ReconcileConfigSchema>;
