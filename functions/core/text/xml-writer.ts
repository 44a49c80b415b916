import { stripXmlForbidden } from './xml-safe.ts';

/**
 * One XML element: attributes in the order given, then children. Every string that reaches the
 * output goes through {@link escapeXmlText} or {@link escapeXmlAttribute}; nothing is written raw,
 * so no value in a post can end a tag, an attribute or a CDATA section early.
 */
export interface XmlElement {
  name: string;
  attributes?: Readonly<Record<string, string | number | undefined>>;
  children?: readonly XmlChild[];
}

/**
 * A child of an element: another element, plain text (escaped), text written as hexadecimal
 * character references (what the W3C Feed Validation Service asks of RSS titles), or CDATA
 * (HTML content, which feed readers expect there).
 */
export type XmlChild = XmlElement | string | { hexText: string } | { cdata: string };

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
// Tabs and line breaks are escaped in attributes because XML parsers fold them into spaces.
const ATTRIBUTE_ESCAPES: Record<string, string> = {
  ...TEXT_ESCAPES,
  '"': '&quot;',
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
};

/**
 * Escapes text for XML element content and drops the characters XML 1.0 forbids.
 * @param text - any text
 */
export function escapeXmlText(text: string): string {
  return stripXmlForbidden(text).replace(/[&<>]/g, (c) => TEXT_ESCAPES[c] ?? c);
}

/**
 * Escapes text for a double-quoted XML attribute value and drops the characters XML 1.0 forbids.
 * @param text - any text
 */
export function escapeXmlAttribute(text: string): string {
  return stripXmlForbidden(text).replace(/[&<>"\t\n\r]/g, (c) => ATTRIBUTE_ESCAPES[c] ?? c);
}

/**
 * Plain text as hexadecimal character references for `&` and `<` (and `&gt;`): readers that treat
 * the element as HTML (RSS titles) still show exactly what the author typed.
 * @param text - any text
 */
export function escapeXmlHexText(text: string): string {
  return stripXmlForbidden(text).replace(/&/g, '&#x26;').replace(/</g, '&#x3C;').replace(/>/g, '&gt;');
}

/**
 * Wraps text in CDATA, splitting every `]]>` across two sections so that none ends early.
 * @param text - any text, e.g. sanitised HTML
 */
export function xmlCdata(text: string): string {
  return `<![CDATA[${stripXmlForbidden(text).replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

/**
 * Serialises a document: the XML declaration and the root element, indented by four spaces; an
 * element whose only child is text stays on one line.
 * @param root - the document element
 * @returns the XML text (no trailing newline)
 */
export function writeXmlDocument(root: XmlElement): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${writeElement(root, '')}`;
}

function writeElement(element: XmlElement, indent: string): string {
  const attributes = Object.entries(element.attributes ?? {})
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}="${escapeXmlAttribute(String(value))}"`)
    .join('');
  const open = `${indent}<${element.name}${attributes}`;
  const children = element.children ?? [];
  if (children.length === 0) return `${open}/>`;
  const leaves = children.filter((child): child is Exclude<XmlChild, XmlElement> => !isElement(child));
  if (leaves.length === children.length) return `${open}>${leaves.map(writeLeaf).join('')}</${element.name}>`;
  const inner = children.map((child) =>
    isElement(child) ? writeElement(child, `${indent}    `) : `${indent}    ${writeLeaf(child)}`,
  );
  return `${open}>\n${inner.join('\n')}\n${indent}</${element.name}>`;
}

function isElement(child: XmlChild): child is XmlElement {
  return typeof child === 'object' && 'name' in child;
}

function writeLeaf(child: Exclude<XmlChild, XmlElement>): string {
  if (typeof child === 'string') return escapeXmlText(child);
  return 'cdata' in child ? xmlCdata(child.cdata) : escapeXmlHexText(child.hexText);
}

/**
 * An element holding only text, or nothing when the text is undefined: optional fields read as one
 * line each in the feed writers.
 */
export function textElement(name: string, text: string | undefined): XmlElement[] {
  return text === undefined ? [] : [{ name, children: [text] }];
}
