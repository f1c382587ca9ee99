/**
 * Masks runs of six or more digits (phone numbers, account numbers) so error
 * messages can be logged without personal data: `13812341234` → `138****1234`.
 * Kept local until the shared telemetry helper exists.
 */
export function maskDigits(text: string): string {
  return text.replace(/\d{6,}/g, (run) => {
    const [head, tail] = run.length >= 10 ? [3, 4] : [1, 2];
    return `${run.slice(0, head)}****${run.slice(run.length - tail)}`;
  });
}
