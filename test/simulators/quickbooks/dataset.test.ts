import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, connectClient, queryPath } from './client.js';
import { countsFor, seedDataset } from './dataset.js';
import { startQuickBooksSimulator, type QuickBooksSimulator } from './server.js';

const client = { clientId: 'data-client', clientSecret: 'data-secret', redirectUris: ['http://127.0.0.1:9/cb'] };

describe('QuickBooks simulator: benchmark dataset', () => {
  let sim: QuickBooksSimulator;
  beforeAll(async () => {
    sim = await startQuickBooksSimulator({ clients: [client] });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('splits a total into entity counts that add up', () => {
    const counts = countsFor(20_000);
    expect((Object.values(counts) as number[]).reduce((a, b) => a + b, 0)).toBe(20_000);
    expect(counts.payments).toBeLessThanOrEqual(counts.invoices);
    expect(counts.billPayments).toBeLessThanOrEqual(counts.bills);
  });

  it('seeds a consistent company that the API pages through', async () => {
    const counts = countsFor(2_000);
    const made = seedDataset(sim, sim.realmId, counts);
    expect(made.vendors).toHaveLength(counts.vendors);
    expect(made.payments).toHaveLength(counts.payments);
    const { tokens, realmId } = await connectClient(sim, client);
    for (const [entity, expected] of [
      ['Vendor', counts.vendors],
      ['Bill', counts.bills],
      ['BillPayment', counts.billPayments],
      ['Customer', counts.customers],
      ['Invoice', counts.invoices],
      ['Payment', counts.payments],
    ] as const) {
      const answer = await callApi(sim, tokens.access_token, realmId, queryPath(`SELECT COUNT(*) FROM ${entity}`));
      expect(answer.json.QueryResponse.totalCount, entity).toBe(expected);
    }
    // Fully paid invoices have no balance left; the same seed gives the same data.
    const paid = await callApi(sim, tokens.access_token, realmId, queryPath('SELECT COUNT(*) FROM Invoice WHERE Balance = 0'));
    expect(paid.json.QueryResponse.totalCount).toBe(counts.payments);
    const again = await startQuickBooksSimulator();
    try {
      seedDataset(again, again.realmId, counts);
      expect(again.list(again.realmId, 'Bill').map((b) => b['TotalAmt'])).toEqual(sim.list(sim.realmId, 'Bill').map((b) => b['TotalAmt']));
    } finally {
      await again.close();
    }
  });
});
