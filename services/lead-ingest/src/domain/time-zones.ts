/**
 * Countries in one time zone, so a number's country gives the zone used for calling windows.
 * Countries spanning several zones (US, CA, RU, AU, BR, MX, ID…) are left out on purpose: a wrong
 * zone would let a call through at night, so those leads need a zone from their data.
 */
const SINGLE_ZONE: Readonly<Record<string, string>> = {
  CN: 'Asia/Shanghai',
  HK: 'Asia/Hong_Kong',
  MO: 'Asia/Macau',
  TW: 'Asia/Taipei',
  JP: 'Asia/Tokyo',
  KR: 'Asia/Seoul',
  SG: 'Asia/Singapore',
  MY: 'Asia/Kuala_Lumpur',
  TH: 'Asia/Bangkok',
  VN: 'Asia/Ho_Chi_Minh',
  PH: 'Asia/Manila',
  IN: 'Asia/Kolkata',
  AE: 'Asia/Dubai',
  GB: 'Europe/London',
  IE: 'Europe/Dublin',
  DE: 'Europe/Berlin',
  FR: 'Europe/Paris',
  IT: 'Europe/Rome',
  NL: 'Europe/Amsterdam',
  BE: 'Europe/Brussels',
  CH: 'Europe/Zurich',
  AT: 'Europe/Vienna',
  PL: 'Europe/Warsaw',
  SE: 'Europe/Stockholm',
  NO: 'Europe/Oslo',
  DK: 'Europe/Copenhagen',
  FI: 'Europe/Helsinki',
  NZ: 'Pacific/Auckland',
};

export function timeZoneOf(country: string): string {
  return SINGLE_ZONE[country] ?? '';
}
