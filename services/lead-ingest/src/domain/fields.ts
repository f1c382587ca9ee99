/** The lead fields a file column can map to; anything else becomes a custom field. */
export const LEAD_FIELDS = ['external_id', 'phone', 'name', 'region', 'intent', 'order_value', 'tags'] as const;
export type LeadField = (typeof LEAD_FIELDS)[number];

/** Where one column goes: a lead field, a custom field, or nowhere. */
export type ColumnTarget = { kind: 'field'; field: LeadField } | { kind: 'custom'; key: string } | { kind: 'ignore' };

// Headers seen in Chinese and English CRM exports, compared after normalise().
const SYNONYMS: Record<LeadField, readonly string[]> = {
  external_id: [
    'externalid',
    'id',
    'customerid',
    'crmid',
    'clientid',
    '客户编号',
    '客户id',
    '编号',
    '会员id',
    '会员编号',
  ],
  phone: [
    'phone',
    'mobile',
    'tel',
    'telephone',
    'phonenumber',
    'mobilephone',
    'cell',
    'cellphone',
    '手机',
    '手机号',
    '手机号码',
    '电话',
    '电话号码',
    '联系电话',
    '联系方式',
    '号码',
  ],
  name: [
    'name',
    'fullname',
    'customername',
    'contact',
    'contactname',
    '姓名',
    '名字',
    '客户姓名',
    '客户名称',
    '联系人',
  ],
  region: ['region', 'province', 'city', 'area', 'location', '地区', '区域', '省份', '城市', '所在地', '地址'],
  intent: ['intent', 'intentlevel', 'intention', '意向', '意向度', '意向等级', '意向程度'],
  order_value: ['ordervalue', 'amount', 'aov', 'orderamount', '客单价', '订单金额', '金额', '消费金额'],
  tags: ['tags', 'tag', 'labels', '标签'],
};

const BY_SYNONYM = new Map<string, LeadField>(
  (Object.entries(SYNONYMS) as Array<[LeadField, readonly string[]]>).flatMap(([field, names]) =>
    names.map((n) => [n, field] as const),
  ),
);

function normalise(header: string): string {
  return header
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/[\s_\-.()（）]/g, '');
}

/** Parse an operator's mapping target: `phone`, `custom.course`, or `ignore`. */
export function parseTarget(target: string): ColumnTarget | undefined {
  if (target === 'ignore') return { kind: 'ignore' };
  if (target.startsWith('custom.') && target.length > 'custom.'.length)
    return { kind: 'custom', key: target.slice('custom.'.length) };
  return (LEAD_FIELDS as readonly string[]).includes(target)
    ? { kind: 'field', field: target as LeadField }
    : undefined;
}

export interface ColumnMapping {
  /** Header → target, for every column of the file. */
  readonly targets: ReadonlyMap<string, ColumnTarget>;
  /** The header mapped to the phone field. */
  readonly phoneColumn: string;
}

export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

/**
 * Decide where each column goes: the operator's explicit mapping first, then known headers, then
 * custom fields. The first column claiming a field wins; later ones become custom fields so no
 * data is silently dropped.
 */
export function resolveMapping(
  headers: readonly string[],
  explicit: Readonly<Record<string, string>> = {},
): ColumnMapping {
  const targets = new Map<string, ColumnTarget>();
  const claimed = new Set<LeadField>();
  for (const [column, target] of Object.entries(explicit)) {
    const parsed = parseTarget(target);
    if (!parsed) throw new MappingError(`column_mapping: "${target}" is not a lead field, custom.<name> or ignore`);
    if (!headers.includes(column)) throw new MappingError(`column_mapping: the file has no column "${column}"`);
    if (parsed.kind === 'field') claimed.add(parsed.field);
    targets.set(column, parsed);
  }
  for (const header of headers) {
    if (targets.has(header)) continue;
    const field = BY_SYNONYM.get(normalise(header));
    if (header.startsWith('custom.') && header.length > 'custom.'.length) {
      targets.set(header, { kind: 'custom', key: header.slice('custom.'.length) });
    } else if (field && !claimed.has(field)) {
      claimed.add(field);
      targets.set(header, { kind: 'field', field });
    } else {
      targets.set(header, header.trim() === '' ? { kind: 'ignore' } : { kind: 'custom', key: header.trim() });
    }
  }
  const phoneColumn = [...targets].find(([, t]) => t.kind === 'field' && t.field === 'phone')?.[0];
  if (phoneColumn === undefined)
    throw new MappingError('no phone column: name one in column_mapping (e.g. "手机": "phone")');
  return { targets, phoneColumn };
}
