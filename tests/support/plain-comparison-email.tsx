// The yardstick for the caniemail counts: the same issue written as a plain react-email template, the way
// react-email's own examples are written (its components, inline style objects, rounded buttons, no
// stylesheet, no dark mode, no bars). Never sent; tests/support/caniemail.ts compares our issue with it.
import { Body, Button, Column, Container, Head, Heading, Hr, Html, Link, Preview, Row, Section, Text } from 'react-email';
import type { IssueView, ToolCard } from '../../src/issues/view.js';
import { communityCaption, hostOf, panelCaption, pctText, unquote } from '../../emails/_components/format.js';

const main = { backgroundColor: '#f6f9fc', fontFamily: '-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Ubuntu,sans-serif' };
const container = { backgroundColor: '#ffffff', margin: '0 auto', padding: '20px 0 48px', marginBottom: '64px' };
const box = { padding: '0 48px' };
const h1 = { color: '#333', fontSize: '24px', fontWeight: 'bold', margin: '30px 0 0' };
const h2 = { color: '#333', fontSize: '20px', fontWeight: 'bold', margin: '16px 0 8px' };
const paragraph = { color: '#525f7f', fontSize: '16px', lineHeight: '24px', textAlign: 'left' as const };
const small = { color: '#8898aa', fontSize: '12px', lineHeight: '16px' };
const hr = { borderColor: '#e6ebf1', margin: '20px 0' };
const button = { backgroundColor: '#656ee8', borderRadius: '5px', color: '#fff', fontSize: '16px', fontWeight: 'bold', textDecoration: 'none', textAlign: 'center' as const, display: 'block', width: '100%', padding: '10px' };
const anchor = { color: '#556cd6' };

function Tool({ t }: { t: ToolCard }) {
  return (
    <Column style={{ width: '50%', verticalAlign: 'top', padding: '0 8px' }}>
      <Heading as="h3" style={h2}>
        {t.url ? <Link href={t.url} style={anchor}>{t.name}</Link> : t.name}
      </Heading>
      <Text style={paragraph}>{t.tagline}</Text>
      <Text style={paragraph}>{`Panel ship: ${pctText(t.panel.shipPct)} (${panelCaption(t.panel)})`}</Text>
      <Text style={paragraph}>{`Community: ${pctText(t.community.shipPct)} (${communityCaption(t.community)})`}</Text>
      <Text style={paragraph}>{`Entry: ${t.pricing}`}</Text>
      <Text style={paragraph}>{t.description}</Text>
      <Button style={button} href={t.voteShipUrl}>Ship it</Button>
      <Button style={{ ...button, marginTop: '8px' }} href={t.voteSkipUrl}>Skip it</Button>
    </Column>
  );
}

export function PlainComparisonEmail({ view }: { view: IssueView }) {
  return (
    <Html>
      <Head />
      <Preview>{view.preheader}</Preview>
      <Body style={main}>
        <Container style={container}>
          <Section style={box}>
            <Heading style={h1}>Weekly AI Tool Verdicts</Heading>
            <Text style={paragraph}>{view.weekLabel}</Text>
            <Hr style={hr} />
            {view.comparisons.map((c) => (
              <Section key={c.position}>
                <Text style={small}>{c.category}</Text>
                <Heading as="h2" style={h1}>{`${c.a.name} vs ${c.b.name}`}</Heading>
                <Row>
                  <Tool t={c.a} />
                  <Tool t={c.b} />
                </Row>
                <Heading as="h3" style={h2}>Reviewer scorecard</Heading>
                {c.scorecard.map((l, i) => (
                  <Text key={i} style={paragraph}>
                    <strong>{`${l.verdict.toUpperCase()} ${l.toolName}`}</strong>
                    {` “${unquote(l.quote)}” — ${l.reviewerName}${l.reviewerRole ? `, ${l.reviewerRole}` : ''}`}
                  </Text>
                ))}
                <Hr style={hr} />
              </Section>
            ))}
            <Text style={small}>
              {`You get this because you subscribed at ${hostOf(view.publicUrl)}. `}
              <Link href={view.unsubscribeUrl} style={anchor}>Unsubscribe</Link>
              {' · '}
              <Link href={view.viewInBrowserUrl} style={anchor}>View in browser</Link>
            </Text>
            <Text style={small}>{view.mailingAddress}</Text>
          </Section>
        </Container>
      </Body>
    </Html>
  );
}
