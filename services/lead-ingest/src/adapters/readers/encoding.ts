import iconv from 'iconv-lite';
import { utf16WithoutBom } from './source.js';

export const ENCODINGS = ['utf-8', 'utf8', 'gb18030', 'gbk', 'gb2312', 'utf-16le', 'utf-16be'] as const;

/**
 * Pick the encoding of a text file from its first bytes: a BOM decides, then UTF-16's zero bytes
 * (spreadsheet programs' "Unicode text" may come without a BOM); otherwise valid UTF-8 is
 * UTF-8 and anything else is taken as GB18030 (a superset of GBK and GB2312), which is what
 * Chinese spreadsheet programs export.
 */
export function detectEncoding(head: Buffer): string {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  const utf16 = utf16WithoutBom(head);
  if (utf16) return utf16;
  return isUtf8(trimPartialChar(head)) ? 'utf-8' : 'gb18030';
}

// The head may end inside a multi-byte character; that alone must not make it look invalid.
function trimPartialChar(head: Buffer): Buffer {
  for (let back = 1; back <= Math.min(3, head.length); back++) {
    const byte = head[head.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    if (byte >= 0xc0) {
      const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return need > back ? head.subarray(0, head.length - back) : head;
    }
    return head;
  }
  return head;
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A decoding transform; GBK and GB2312 files are read as GB18030, which contains them. */
export function decoder(encoding: string): NodeJS.ReadWriteStream {
  const name = /^gb(k|2312)$/i.test(encoding) ? 'gb18030' : encoding;
  return iconv.decodeStream(name, { stripBOM: true });
}

/** The first bytes of a file as text, for sniffing its header line (a partial last character is harmless). */
export function decodeHead(head: Buffer, encoding: string): string {
  return iconv.decode(head, /^gb(k|2312)$/i.test(encoding) ? 'gb18030' : encoding);
}
