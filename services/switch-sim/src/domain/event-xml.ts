import type { SwitchEvent } from './esl-event.js';

/** XML text escaping (switch_xml_toxml escapes &, <, >, and " in attributes; values here are text). */
function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * An event as `event xml …` delivers it (switch_event_xmlize): `<event><headers>` with one element
 * per header (repeats kept, values XML-escaped, not URL-encoded), then `<body>` when the event has
 * one. From FreeSWITCH's documentation; no capture of this format yet.
 */
export function eventXml(event: SwitchEvent): string {
  const lines = ['<event>', '  <headers>'];
  for (const [name, value] of event.headers) {
    if (name === 'Content-Length') continue;
    lines.push(`    <${name}>${escapeXml(value)}</${name}>`);
  }
  if (event.body !== undefined) lines.push(`    <Content-Length>${Buffer.byteLength(event.body)}</Content-Length>`);
  lines.push('  </headers>');
  if (event.body !== undefined) lines.push(`  <body>${escapeXml(event.body)}</body>`);
  lines.push('</event>');
  return lines.join('\n');
}

/** The frame: Content-Length first, as for the other event formats. */
export function encodeXmlEventFrame(event: SwitchEvent): Buffer {
  const body = Buffer.from(eventXml(event));
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\nContent-Type: text/event-xml\n\n`), body]);
}
