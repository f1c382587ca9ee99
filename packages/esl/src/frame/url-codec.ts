/**
 * FreeSWITCH's URL-encoding of plain-event header values, as measured over
 * ~68,000 captured values: a byte is escaped (upper-case hex) when it is below
 * 0x20, above 0x7E, or one of ` "#%&+:;<=>?@[\]^`{|}`. Neither
 * encodeURIComponent nor encodeURI produces exactly this.
 */
const ESCAPED_ASCII = ' "#%&+:;<=>?@[\\]^`{|}';
const HEX = '0123456789ABCDEF';

const mustEscape: boolean[] = Array.from({ length: 256 }, (_, byte) => byte < 0x20 || byte > 0x7e);
for (const char of ESCAPED_ASCII) mustEscape[char.charCodeAt(0)] = true;

export function fsUrlEncode(value: string): string {
  if (!needsEscaping(value)) return value;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out += mustEscape[byte] === true ? `%${HEX[byte >> 4]}${HEX[byte & 0x0f]}` : String.fromCharCode(byte);
  }
  return out;
}

function needsEscaping(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0x7e || mustEscape[code] === true) return true;
  }
  return false;
}

export type UrlDecodeResult =
  { readonly ok: true; readonly value: string } | { readonly ok: false; readonly value: string };

/**
 * decodeURIComponent throws on `%zz` or a broken UTF-8 sequence (modesl crashes
 * there); we keep the raw value instead and say so.
 */
export function safeUrlDecode(raw: string): UrlDecodeResult {
  if (!raw.includes('%')) return { ok: true, value: raw };
  try {
    return { ok: true, value: decodeURIComponent(raw) };
  } catch {
    return { ok: false, value: raw };
  }
}
