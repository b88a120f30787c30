/**
 * Memory layouts of the engine's per-key data, shared by the engine
 * (keytable.ts, engine.ts) and the CLI's byte paths (tools/reconcile-cli),
 * which read and write the same buckets and slot records directly. Not part
 * of the public API (index.ts does not export it).
 */

/*
 * Key table (keytable.ts): 32-byte buckets of int32s: hash, slot + 1 (0 =
 * empty), length (negative: -length - 1 for a key kept as a string), then the
 * key's Latin-1 bytes inline when it has at most INLINE of them.
 */
/** int32 per bucket. */
export const STRIDE = 8;
/** Key bytes stored in a bucket. */
export const INLINE = 20;
/** Bytes per bucket. */
export const BYTES = STRIDE * 4;
/** Byte offset of the key in a bucket. */
export const KEY_AT = 12;
/** Per slot, in slot order: length (LONG = kept as a string) then the key's bytes (for sequential output). */
export const SLOT_KEY = 24;
export const LONG = 255;

/*
 * Slot store (engine.ts): per key (slot) and source, 40 bytes holding the
 * count and the first record (f64: amount, at (NaN = none); u32 at +4: count,
 * line, status, date, code, currency), all sources of a slot side by side.
 */
/** f64 per record: 40 bytes, two f64 then six u32, no padding. */
export const REC_F64 = 5;
export const REC_U32 = 10;
export const U_COUNT = 4, U_LINE = 5, U_STATUS = 6, U_DATE = 7, U_CODE = 8, U_CUR = 9;
