/** Whether a request asks for CSV: ?format=csv, or an Accept header that prefers text/csv. */
export function wantsCsv(request: Request, format: 'json' | 'csv' | undefined): boolean {
  if (format === 'csv') return true;
  const accept = request.headers.get('accept') ?? '';
  return /\btext\/csv\b/i.test(accept) && !/\bapplication\/json\b/i.test(accept);
}
