// SMS bodies: `{{lead.tier}}`, `{{lead.custom.sku}}`, `{{lead.name}}`, `{{event.fields.cartId}}`.
// Unknown placeholders render empty; the template itself never reaches a log with values filled.

export type TemplateValues = Readonly<Record<string, string | number | boolean | undefined>>;

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]{1,128})\s*\}\}/g;

export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_m, key: string) => {
    const value = values[key];
    return value === undefined ? '' : String(value);
  });
}

/** Flatten lead and event fields into template keys. */
export function templateValues(
  lead: { tier: string; intent: string; name?: string; custom: Readonly<Record<string, string>> },
  fields: Readonly<Record<string, string | number | boolean>>,
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {
    'lead.tier': lead.tier,
    'lead.intent': lead.intent,
    'lead.name': lead.name ?? '',
  };
  for (const [k, v] of Object.entries(lead.custom)) out[`lead.custom.${k}`] = v;
  for (const [k, v] of Object.entries(fields)) out[`event.fields.${k}`] = v;
  return out;
}
