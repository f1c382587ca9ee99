/**
 * FreeSWITCH's URL-encoding of plain-event header values (switch_url_encode with its default
 * unsafe set). Measured over every captured plain value: a byte is escaped (upper-case hex) when
 * it is a control byte, non-ASCII, or one of the listed characters; everything else stays
 * literal. encodeURIComponent would escape `, / ( )` and keep `! * '`, so it is not usable.
 */
const ALWAYS_ESCAPED = new Set(' "#%&+:;<=>?@[\\]^`{|}'.split('').map((c) => c.charCodeAt(0)));

function mustEscape(byte: number): boolean {
  return byte < 0x20 || byte > 0x7e || ALWAYS_ESCAPED.has(byte);
}

export function fsUrlEncode(value: string): string {
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  for (const byte of bytes) {
    out += mustEscape(byte) ? `%${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte);
  }
  return out;
}
