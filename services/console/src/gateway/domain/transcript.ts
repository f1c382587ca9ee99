// Transcript text shown in the console: a number the customer read out (an account, a card, a
// phone number) is not shown in the clear; the recording holds it for those allowed to listen.

/** Runs of 6 or more digits (spaces and dashes between them allowed) become asterisks. */
export function maskDigits(text: string): string {
  return text.replace(/\d(?:[\s-]?\d){5,}/g, (run) => run.replace(/\d/g, '*'));
}
