/**
 * Label maps are keyed by their union (Record<Status, ...>, Record<ReviewState, ...>), so the
 * type-check asks for a label whenever a member is added. Values read from the database are plain
 * strings the type system cannot vouch for: look them up here (undefined when unknown).
 */
export function labelOf<K extends string, V>(map: Record<K, V>, key: string): V | undefined {
  return Object.hasOwn(map, key) ? map[key as K] : undefined;
}
