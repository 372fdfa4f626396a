/** The delimiters we detect, in order of preference when the evidence ties. */
export const CANDIDATE_DELIMITERS = [',', ';', '\t', '|'] as const;

/** Records of the sample used for detection: enough to see a pattern, few enough to stay cheap. */
const SAMPLE_RECORDS = 50;

/**
 * Splits text into records at newlines outside quotes. Quotes are toggled on every `"`, which
 * treats `""` inside a quoted field correctly and is close enough for sampling.
 */
function sampleRecords(text: string, complete: boolean): string[] {
  const records: string[] = [];
  let inQuotes = false;
  let start = 0;
  for (let i = 0; i < text.length && records.length < SAMPLE_RECORDS; i++) {
    const ch = text[i];
    if (ch === '"') inQuotes = !inQuotes;
    else if (ch === '\n' && !inQuotes) {
      records.push(text.slice(start, i));
      start = i + 1;
    }
  }
  // The last record of a truncated sample may be cut short: it would skew the counts.
  if (complete && records.length < SAMPLE_RECORDS && start < text.length) records.push(text.slice(start));
  return records.filter((r) => r.trim() !== '');
}

function fieldCount(record: string, delimiter: string): number {
  let count = 1;
  let inQuotes = false;
  for (const ch of record) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (ch === delimiter && !inQuotes) count++;
  }
  return count;
}

/**
 * Picks the delimiter that splits the sampled records into the same number (> 1) of fields most
 * consistently; a tie goes to more fields, then to the preferred one (tab for a .tsv), then to
 * the order , ; tab |. `sample` has \n line ends; `complete` says it is the whole file.
 */
export function detectDelimiter(sample: string, complete: boolean, preferred?: string): string {
  const records = sampleRecords(sample, complete);
  let best: { delimiter: string; consistency: number; fields: number } | undefined;
  const order = preferred ? [preferred, ...CANDIDATE_DELIMITERS.filter((d) => d !== preferred)] : [...CANDIDATE_DELIMITERS];
  for (const delimiter of order) {
    const counts = records.map((r) => fieldCount(r, delimiter));
    const tally = new Map<number, number>();
    for (const c of counts) if (c > 1) tally.set(c, (tally.get(c) ?? 0) + 1);
    let fields = 0;
    let hits = 0;
    for (const [c, n] of tally) {
      if (n > hits || (n === hits && c > fields)) {
        fields = c;
        hits = n;
      }
    }
    if (hits === 0) continue;
    const consistency = hits / counts.length;
    if (!best || consistency > best.consistency || (consistency === best.consistency && fields > best.fields)) {
      best = { delimiter, consistency, fields };
    }
  }
  return best?.delimiter ?? preferred ?? ',';
}

/**
 * Turns \r\n and lone \r into \n across chunk boundaries, so files with mixed or old-Mac line
 * ends parse alike (newlines inside quoted fields become \n too).
 */
export class NewlineNormalizer {
  private pendingCr = false;

  push(text: string): string {
    let t = this.pendingCr ? `\r${text}` : text;
    this.pendingCr = t.endsWith('\r');
    if (this.pendingCr) t = t.slice(0, -1);
    return t.includes('\r') ? t.replace(/\r\n?/g, '\n') : t;
  }

  end(): string {
    const rest = this.pendingCr ? '\n' : '';
    this.pendingCr = false;
    return rest;
  }
}
