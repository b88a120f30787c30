import { z } from 'zod';
import { StatusSchema, type Status } from './glossary';

/**
 * Status progression: successive snapshots or events of one transaction from
 * one source must follow an allowed state machine. The machine is data.
 */
export const StateMachineSchema = z.object({
  /** from -> allowed next statuses (staying in the same status is always allowed). */
  allowed: z.partialRecord(StatusSchema, z.array(StatusSchema)),
  /** Statuses after which a new attempt (a different attempt id) may start over. */
  newAttemptFrom: z.array(StatusSchema).default([]),
}).strict();
export type StateMachineInput = z.input<typeof StateMachineSchema>;
export type StateMachine = z.output<typeof StateMachineSchema>;

export const DEFAULT_STATE_MACHINE: StateMachineInput = {
  allowed: {
    Pending: ['Authorized', 'Paid', 'Failed', 'Cancelled'],
    Authorized: ['Paid', 'Failed', 'Cancelled'],
    Paid: ['Refunded'],
    Refunded: [],
    Failed: [],
    Cancelled: [],
  },
  newAttemptFrom: ['Failed', 'Cancelled'],
};

export interface ProgressionEvent {
  key: string;
  status: Status;
  /** UTC ms; null keeps the input order. */
  at: number | null;
  /** Attempt id: a change of attempt may restart the machine (see newAttemptFrom). */
  attempt?: string | number;
  line?: number;
}

export interface ProgressionViolation {
  key: string;
  from: Status;
  to: Status;
  fromAt: number | null;
  toAt: number | null;
  fromLine?: number;
  toLine?: number;
  reason: string;
}

/**
 * Checks every key's events (sorted by time, ties in input order) against the
 * machine and returns the impossible transitions with both timestamps.
 */
export function checkProgression(
  events: Iterable<ProgressionEvent>,
  machineInput: StateMachineInput | StateMachine = DEFAULT_STATE_MACHINE,
): ProgressionViolation[] {
  const machine = StateMachineSchema.parse(machineInput);
  const allowed = new Map<Status, Set<Status>>();
  for (const [from, tos] of Object.entries(machine.allowed)) allowed.set(from as Status, new Set(tos ?? []));
  const restart = new Set(machine.newAttemptFrom);

  const byKey = new Map<string, { e: ProgressionEvent; i: number }[]>();
  let i = 0;
  for (const e of events) {
    let list = byKey.get(e.key);
    if (!list) byKey.set(e.key, (list = []));
    list.push({ e, i: i++ });
  }
  const out: ProgressionViolation[] = [];
  for (const [key, list] of byKey) {
    list.sort((a, b) => {
      const ta = a.e.at, tb = b.e.at;
      if (ta !== null && tb !== null && ta !== tb) return ta - tb;
      return a.i - b.i;
    });
    for (let k = 1; k < list.length; k++) {
      const prev = (list[k - 1] as { e: ProgressionEvent }).e;
      const cur = (list[k] as { e: ProgressionEvent }).e;
      let reason: string | null = null;
      const newAttempt = cur.attempt !== undefined && prev.attempt !== undefined && cur.attempt !== prev.attempt;
      if (cur.status === 'Unknown' || prev.status === 'Unknown') {
        reason = 'unknown status: the transition cannot be checked';
      } else if (newAttempt) {
        if (!restart.has(prev.status)) reason = `new attempt while the previous attempt is ${prev.status}`;
      } else if (cur.status !== prev.status && !(allowed.get(prev.status)?.has(cur.status) ?? false)) {
        reason = `${prev.status} -> ${cur.status} is not an allowed transition` +
          (restart.has(prev.status) ? ' without a new attempt' : '');
      }
      if (reason) {
        const v: ProgressionViolation = { key, from: prev.status, to: cur.status, fromAt: prev.at, toAt: cur.at, reason };
        if (prev.line !== undefined) v.fromLine = prev.line;
        if (cur.line !== undefined) v.toLine = cur.line;
        out.push(v);
      }
    }
  }
  return out;
}
