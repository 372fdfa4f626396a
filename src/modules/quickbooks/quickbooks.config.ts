import { z } from 'zod';

/**
 * A QuickBooks connection's `config`. Pulled records need nothing; pushing needs the QuickBooks
 * ids that platform records do not carry: the expense account of a bill's line, and the
 * customer and product/service item of an AR invoice (and of its payments).
 */
export const QuickBooksConfigSchema = z
  .object({
    expenseAccountId: z.string().regex(/^\d{1,20}$/, 'a QuickBooks Account Id (digits)').optional().describe('Account of the one expense line of a pushed bill.'),
    customerId: z.string().regex(/^\d{1,20}$/, 'a QuickBooks Customer Id (digits)').optional().describe('Customer billed by pushed AR invoices and paying pushed payments.'),
    itemId: z.string().regex(/^\d{1,20}$/, 'a QuickBooks Item Id (digits)').optional().describe('Product/service of the one line of a pushed AR invoice.'),
  })
  .strict();

export type QuickBooksConfig = z.infer<typeof QuickBooksConfigSchema>;
