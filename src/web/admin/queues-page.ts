// bull-board's page at /admin/queues, adjusted: no web font from Google (an admin page asks no remote
// server for anything; the system font stack is fine), and a fixed link back to the rest of the admin.

const GOOGLE_FONTS = /<link[^>]+href="https:\/\/fonts\.googleapis\.com[^"]*"[^>]*>\s*/g;

// Fixed to the bottom-left corner, over bull-board's own layout, so it stays reachable on a phone too.
const BACK_LINK =
  '<a href="/admin" style="position:fixed;left:12px;bottom:12px;z-index:10000;background:#162033;color:#fff;' +
  'padding:6px 12px;border-radius:6px;font:14px system-ui,sans-serif;text-decoration:none">← Back to the admin</a>';

/** bull-board's HTML without the remote font and with the link back. */
export function queuesDocument(html: string): string {
  return html.replace(GOOGLE_FONTS, '').replace(/<body([^>]*)>/i, `<body$1>${BACK_LINK}`);
}
