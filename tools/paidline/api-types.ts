/**
 * The answers' types, read from the contract (lib/api/endpoints) at compile time only: `import type`
 * is erased, so the CLI loads neither zod schemas nor anything behind them when it starts.
 */
import type { z } from 'zod';
import type * as Sources from '../../lib/api/endpoints/sources';
import type * as Ingestions from '../../lib/api/endpoints/ingestions';
import type * as Reconciliations from '../../lib/api/endpoints/reconciliations';
import type * as Entries from '../../lib/api/endpoints/entries';
import type * as Romi from '../../lib/api/endpoints/romi';

type Out<E extends { response: z.ZodType }> = z.output<E['response']>;

export type SourceList = Out<typeof Sources.listSources>;
export type Source = SourceList['items'][number];
export type SourceDetail = Out<typeof Sources.getSource>;
export type PresetList = Out<typeof Sources.listPresets>;
export type ProfileSaved = Out<typeof Sources.updateSourceProfile>;

export type Upload = Out<typeof Ingestions.uploadFile>;
export type Ingestion = Out<typeof Ingestions.getIngestion>;
export type Started = Out<typeof Ingestions.startIngestion>;
export type IngestionErrors = Out<typeof Ingestions.ingestionErrors>;

export type Reconciliation = Out<typeof Reconciliations.getReconciliation>;
export type ReconciliationList = Out<typeof Reconciliations.listReconciliations>;
export type Pass = NonNullable<Reconciliation['lastPass']>;
export type PassList = Out<typeof Reconciliations.listPasses>;
export type RomiSaved = Out<typeof Reconciliations.putRomiSettings>;
export type ChannelList = Out<typeof Reconciliations.listChannels>;

export type EntryPage = Out<typeof Entries.listEntries>;
export type Entry = EntryPage['items'][number];
export type EntryDetail = Out<typeof Entries.getEntry>;

export type RomiData = Out<typeof Romi.getRomi>;
export type RomiFigures = RomiData['totals'][number];
export type RomiRows = Out<typeof Romi.romiRows>;
export type Quality = Out<typeof Romi.getQuality>;
export type AuditPage = Out<typeof Romi.listAudit>;
export type Me = Out<typeof Romi.getMe>;
