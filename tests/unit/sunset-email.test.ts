// The "still want this?" email and SUNSET_AFTER_ISSUES: the email passes the quality gate every issue
// passes (one <title>, nothing before the masthead, a text part, links under PUBLIC_URL), carries the keep
// and unsubscribe links in both parts; the setting defaults to 12, 0 turns it off, a bad value is a line
// naming the variable.
import { createElement } from 'react';
import { render } from '@react-email/render';
import { describe, expect, it } from 'vitest';
import { StillInterested, stillInterestedText, STILL_INTERESTED_SUBJECT } from '../../emails/still-interested.js';
import { checkEmail } from '../../src/issues/quality.js';
import { loadConfig } from '../../src/config.js';

const base = { DATA_DIR: '.data/test-config', DATABASE_URL: 'postgres://root@127.0.0.1:5432/x' };

describe('the "still want this?" email', () => {
  it('passes the quality gate, with the keep and unsubscribe links in HTML and text', async () => {
    const p = StillInterested.PreviewProps;
    const html = await render(createElement(StillInterested, p));
    const text = stillInterestedText(p);
    const report = checkEmail({ subject: STILL_INTERESTED_SUBJECT, html, text }, { publicUrl: p.publicUrl });
    expect(report.failures).toEqual([]);
    expect(html.match(/<title>/g)).toHaveLength(1);
    for (const url of [p.keepUrl, p.unsubscribeUrl]) {
      expect(html).toContain(`href="${url}"`);
      expect(text).toContain(url);
    }
    expect(text).toContain('we send 2 more issues and then stop');
  });
});

describe('SUNSET_AFTER_ISSUES', () => {
  it('defaults to 12; 0 turns the sunset off; anything but a whole number from 0 to 520 is refused by name', () => {
    expect(loadConfig(base).sunsetAfterIssues).toBe(12);
    expect(loadConfig({ ...base, SUNSET_AFTER_ISSUES: '' }).sunsetAfterIssues).toBe(12);
    expect(loadConfig({ ...base, SUNSET_AFTER_ISSUES: '0' }).sunsetAfterIssues).toBe(0);
    expect(loadConfig({ ...base, SUNSET_AFTER_ISSUES: '4' }).sunsetAfterIssues).toBe(4);
    for (const bad of ['twelve', '1.5', '-1', '521']) {
      expect(() => loadConfig({ ...base, SUNSET_AFTER_ISSUES: bad }), bad).toThrow(/^SUNSET_AFTER_ISSUES must /);
    }
  });
});
