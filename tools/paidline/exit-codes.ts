/** The CLI's exit codes (README.md lists them): scripts branch on them. */
export const EXIT = {
  /** Done (an upload committed, or already committed before: a duplicate file). */
  ok: 0,
  /** Failed: an upload failed, was blocked by drift, or waits for a decision on refused rows; a wait timed out; a 413/422. */
  failed: 1,
  /** A usage error, or input the API refused as invalid (400). */
  usage: 2,
  /** No token, or one that is unknown, revoked, expired or read-only; the role does not allow it (401, 403). */
  auth: 3,
  /** No such object (404). */
  notFound: 4,
  /** A conflict (409): a stale version, a taken name, an object in another state. */
  conflict: 5,
  /** The server failed (5xx), kept refusing (429 after the retries), or could not be reached. */
  server: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for an HTTP error status. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  if (status === 400) return EXIT.usage;
  if (status === 429 || status >= 500) return EXIT.server;
  return EXIT.failed;
}
