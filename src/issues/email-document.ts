// The email's HTML as a mail client's HTML5 parser builds it (parse5 follows the WHATWG parsing algorithm,
// as browsers and the web-based clients do). A string search cannot see what the parser does with text in
// <head>: it closes the head, opens the body and shows the text above the content.
import { parse, type DefaultTreeAdapterTypes as T } from 'parse5';

/** A phone's width: an element fixed wider than this makes the reader scroll sideways. */
export const PHONE_WIDTH_PX = 375;

export interface DocumentProblem {
  check: 'stray-text' | 'title' | 'width';
  message: string;
}

const HTML_NS = 'http://www.w3.org/1999/xhtml';

function isElement(n: T.Node): n is T.Element {
  return 'tagName' in n;
}

function* elements(n: T.ParentNode): Generator<T.Element> {
  for (const c of n.childNodes) {
    if (!isElement(c)) continue;
    yield c;
    yield* elements(c.tagName === 'template' ? (c as T.Template).content : c);
  }
}

const attr = (e: T.Element, name: string) => e.attrs.find((a) => a.name === name)?.value;

/** Inline `width`/`min-width` in px from a style attribute (the only widths our templates fix). */
function fixedStyleWidth(style: string): number | null {
  if (/(^|;)\s*max-width\s*:\s*100%/i.test(style)) return null;
  const m = /(?:^|;)\s*(?:min-)?width\s*:\s*(\d+(?:\.\d+)?)px/i.exec(style);
  return m ? Number(m[1]) : null;
}

function textOf(n: T.ParentNode): string {
  return n.childNodes.map((c) => ('value' in c && c.nodeName === '#text' ? c.value : isElement(c) ? textOf(c) : '')).join('');
}

/** What a client's parser makes of the HTML that no reader should see: stray text, a second title, a layout too wide. */
export function documentProblems(html: string): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const doc = parse(html, { sourceCodeLocationInfo: true });
  const root = doc.childNodes.find((n): n is T.Element => isElement(n) && n.tagName === 'html');
  const body = root?.childNodes.find((n): n is T.Element => isElement(n) && n.tagName === 'body');

  // Text before the body's first element: either written there, or text in <head> that the parser moved
  // (it ends the head at the first character that is not white space and starts the body with it).
  if (body) {
    for (const c of body.childNodes) {
      if (isElement(c)) break;
      if (c.nodeName !== '#text' || !('value' in c) || !c.value.trim()) continue;
      const at = c.sourceCodeLocation?.startOffset ?? 0;
      const headEnd = html.search(/<\/head\s*>/i);
      const where = headEnd >= 0 && at < headEnd ? 'sits in <head>, so the parser moves it to the top of the body' : 'comes before the content';
      problems.push({ check: 'stray-text', message: `the text "${c.value.trim().slice(0, 40)}" ${where}: readers see it above the masthead` });
    }
  }

  const titles = [...elements(doc)].filter((e) => e.tagName === 'title' && String(e.namespaceURI) === HTML_NS);
  if (titles.length !== 1) {
    const texts = titles.map((t) => `"${textOf(t).trim().slice(0, 60)}"`).join(', ');
    problems.push({
      check: 'title',
      message: titles.length === 0 ? 'the HTML has no <title>' : `the HTML has ${titles.length} <title> elements (${texts}): a client shows one of them, as it likes`,
    });
  }

  for (const e of body ? elements(body) : []) {
    const w = attr(e, 'width');
    const attrPx = w && /^\d+$/.test(w.trim()) ? Number(w) : null;
    const stylePx = fixedStyleWidth(attr(e, 'style') ?? '');
    const px = Math.max(attrPx ?? 0, stylePx ?? 0);
    if (px > PHONE_WIDTH_PX) {
      problems.push({ check: 'width', message: `a <${e.tagName}> is fixed at ${px} px, wider than a ${PHONE_WIDTH_PX} px phone: readers scroll sideways` });
    }
  }
  return problems;
}
