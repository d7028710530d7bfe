// Keeps an issue's bodies within Latin-1, so V8 holds them, every reader's copy and the provider request
// made of 100 copies at one byte per character instead of two. That halves most of what a sender
// allocates per request (src/delivery/garbage.ts). Readers see the same thing: in the HTML a character
// beyond Latin-1 becomes a numeric character reference (&#8212; is an em dash to every mail client); the
// plain-text part writes typographic punctuation the way plain text has always written it. A character
// with no such spelling (a name in another script, an emoji) stays as it is, and that requests
// take twice the memory.

/**
 * One pass over the HTML: a raw-text element (<style>, <script>, where character references are not
 * decoded) is matched whole and kept as it is; any other character beyond Latin-1 becomes a reference.
 * Not split(): split() puts every capture group into its result, and the back-reference needs one for
 * the tag name, which then came out as text after each element ("style" above every masthead).
 */
const RAW_TEXT_OR_BEYOND_LATIN1 = /<(style|script)\b[^>]*>[\s\S]*?<\/\1\s*>|[^\x00-\xff]/giu;

export function htmlWithinLatin1(html: string): string {
  return html.replace(RAW_TEXT_OR_BEYOND_LATIN1, (m: string, rawTextTag: string | undefined) =>
    rawTextTag ? m : `&#${m.codePointAt(0)};`,
  );
}

const PLAIN: Record<string, string> = {
  '\u2018': "'", '\u2019': "'", '\u201A': "'", '\u201B': "'", '\u2032': "'",
  '\u201C': '"', '\u201D': '"', '\u201E': '"', '\u201F': '"', '\u2033': '"',
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2015': '-', '\u2212': '-',
  '\u2026': '...', '\u2022': '*', '\u2192': '->', '\u2190': '<-',
  '\u2002': ' ', '\u2003': ' ', '\u2009': ' ', '\u200A': ' ', '\u202F': ' ',
  '\u200B': '', '\u200C': '', '\u200D': '', '\u2060': '', '\uFEFF': '',
};
const PLAIN_RE = new RegExp(`[${Object.keys(PLAIN).join('')}]`, 'gu');

export function textWithinLatin1(text: string): string {
  return text.replace(PLAIN_RE, (c) => PLAIN[c]!);
}

/**
 * The same text, stored one byte per character when every character allows it. V8 keeps a string
 * derived from a two-byte one (a slice, a replacement) two-byte even when it holds only Latin-1, and a
 * JSON string built from any two-byte part is two-byte throughout.
 */
export function asOneByte(s: string): string {
  return /^[\x00-\xff]*$/.test(s) ? Buffer.from(s, 'latin1').toString('latin1') : s;
}
