// Counts in words, as a person writes them: "1 tool", "17 tools", "0 readers".
const IRREGULAR: Record<string, string> = { reply: 'replies', category: 'categories' };

export function plural(n: number, noun: string): string {
  const words = noun.split(' ');
  const last = words.pop()!;
  const many = IRREGULAR[last] ?? (/(s|x|ch|sh)$/.test(last) ? `${last}es` : `${last}s`);
  return `${n.toLocaleString('en-US')} ${[...words, n === 1 ? last : many].join(' ')}`;
}
