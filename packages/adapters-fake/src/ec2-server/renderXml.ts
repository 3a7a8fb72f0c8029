/**
 * A value of an EC2 Query response: text, a nested element (object keys are element names), or
 * a list (EC2 wraps each member in `<item>`). `undefined` members are left out.
 */
export type XmlValue = string | number | boolean | undefined | XmlElement | readonly XmlValue[];

/** A nested element: child name → value. */
export interface XmlElement {
  readonly [name: string]: XmlValue;
}

/** The EC2 namespace of API version 2016-11-15. */
export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/** Escapes text for an XML element body. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function renderValue(value: XmlValue): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return escapeXml(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isList(value)) return value.map((item) => `<item>${renderValue(item)}</item>`).join('');
  return renderChildren(value);
}

function isList(value: XmlElement | readonly XmlValue[]): value is readonly XmlValue[] {
  return Array.isArray(value);
}

function renderChildren(element: XmlElement): string {
  let out = '';
  for (const [name, child] of Object.entries(element)) {
    if (child === undefined) continue;
    out += `<${name}>${renderValue(child)}</${name}>`;
  }
  return out;
}

/** `<ActionResponse xmlns=…><requestId>…</requestId>…</ActionResponse>`, as EC2 answers. */
export function renderEc2Response(action: string, requestId: string, body: XmlElement): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<${action}Response xmlns="${EC2_NAMESPACE}"><requestId>${escapeXml(requestId)}</requestId>` +
    `${renderChildren(body)}</${action}Response>`
  );
}

/** EC2's error envelope. */
export function renderEc2Error(code: string, message: string, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error></Errors>` +
    `<RequestID>${escapeXml(requestId)}</RequestID></Response>`
  );
}
