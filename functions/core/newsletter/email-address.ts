import { domainToASCII } from 'node:url';

/** An address that passed {@link parseEmailAddress}: safe to put in a header, deliverable by SES. */
export type EmailAddress = string & { readonly __brand: 'EmailAddress' };

/** The outcome of checking an address someone typed. */
export type AddressCheck = { ok: true; address: EmailAddress } | { ok: false; reason: string };

// RFC 5321 limits: 64 octets of local part, 254 in all (the 256 of a path less its brackets).
const MAX_LOCAL = 64;
const MAX_TOTAL = 254;
// The dot-atom form of RFC 5322: what every address people actually type looks like. Quoted local
// parts ("a b"@x) are legal but unheard of in sign-up forms and a common vector for header tricks.
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const TLD = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/**
 * Checks and normalises an e-mail address from a form, an API call or a CSV file. Rejects anything
 * that could smuggle a header (line breaks, commas, angle brackets), addresses longer than SMTP
 * allows, and local parts outside ASCII (Amazon SES cannot deliver to them). An internationalised
 * domain is converted to its ASCII (punycode) form; the domain is lower-cased.
 * @param input - what the person typed
 * @returns the normalised address, or a reason a person can act on
 */
export function parseEmailAddress(input: string): AddressCheck {
  const text = input.trim();
  if (text === '') return { ok: false, reason: 'is empty' };
  if (text.length > MAX_TOTAL * 4) return { ok: false, reason: `is longer than ${MAX_TOTAL} characters` };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
  if (/[\u0000-\u001f\u007f]/.test(text))
    return { ok: false, reason: 'contains a line break or control character' };
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1)
    return { ok: false, reason: 'is not an e-mail address (name@example.com)' };
  const local = text.slice(0, at);
  const domainInput = text.slice(at + 1);
  if (/[^\x20-\x7e]/.test(local)) return { ok: false, reason: 'has characters outside ASCII before the @' };
  if (!DOT_ATOM.test(local))
    return { ok: false, reason: 'has characters an address cannot have before the @' };
  if (local.length > MAX_LOCAL)
    return { ok: false, reason: `has more than ${MAX_LOCAL} characters before the @` };
  const domain = domainToASCII(domainInput.toLowerCase().replace(/\.$/, ''));
  const labels = domain.split('.');
  if (domain === '' || labels.length < 2 || !labels.every((label) => LABEL.test(label)))
    return { ok: false, reason: 'has a domain that is not valid after the @' };
  if (!TLD.test(labels[labels.length - 1] ?? ''))
    return { ok: false, reason: 'has a domain without a valid top-level part' };
  const address = `${local}@${domain}`;
  if (address.length > MAX_TOTAL) return { ok: false, reason: `is longer than ${MAX_TOTAL} characters` };
  return { ok: true, address: address as EmailAddress };
}

/** The form of an address used to recognise it: the same mailbox however it is capitalised. */
export function addressIdentity(address: EmailAddress): string {
  return address.toLowerCase();
}
