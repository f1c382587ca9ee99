/** One lead as a CRM or order system sends it (gRPC `LeadInput`, or the same JSON over HTTP). */
export interface LeadInput {
  externalId: string;
  phone: string;
  name: string;
  region: string;
  tags: string[];
  customFields: { [key: string]: string };
  intent: string;
  orderValue: string;
}

/** A lead input as cells named after lead fields; custom fields keep their `custom.` prefix. */
export function inputCells(input: LeadInput): Record<string, string> {
  const cells: Record<string, string> = {
    external_id: input.externalId,
    phone: input.phone,
    name: input.name,
    region: input.region,
    intent: input.intent,
    order_value: input.orderValue,
    tags: input.tags.join(','),
  };
  for (const [key, value] of Object.entries(input.customFields)) cells[`custom.${key}`] = value;
  return cells;
}
