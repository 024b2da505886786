// Compiled (never run) under `strict` by tests/clients/test_js_sdk.py: what a TypeScript user
// writes type-checks, and what the types forbid stays forbidden.
import { Commercy, CommercyError, type NewOrder, type Order, type Page } from "../src/index.js";

export async function usage(): Promise<string> {
  const api = await Commercy.login({
    baseUrl: "http://127.0.0.1:8000",
    identifier: "a",
    password: "b",
  });
  const order: NewOrder = {
    customerName: "Ahmed Ben Ali",
    customerPhone: "+216 20 123 456",
    source: "facebook_page",
    shippingOption: "paid",
    shippingCost: 6.0,
    products: [{ productId: 1, quantity: 1, price: 120.5, notes: "Rouge" }],
  };
  const created = await api.orders.create(order, { idempotencyKey: "cart-42" });
  const total: number = created.order.total;
  const replayed: boolean = created.replayed;
  const page: Page<Order> = await api.orders.list({ status: ["pending", "confirmed"], limit: 10 });
  const hasNext: boolean = page.pagination.hasNext;
  for await (const each of api.orders.iterate({ source: "site_web" })) {
    const number: string = each.orderNumber;
    void number;
  }
  const pdf: Uint8Array = await api.orders.invoicePdf(created.orderNumber);
  const csv: string = await api.orders.exportCsv({ dateFrom: "2026-01-01" });
  await api.orders.setStatus(created.order.id, "confirmed", { note: "joint" });
  // @ts-expect-error not a status of the API
  await api.orders.setStatus(created.order.id, "teleported");
  // @ts-expect-error products are required
  await api.orders.create({ customerPhone: "20 123 456" });
  try {
    await api.products.get(1);
  } catch (error) {
    if (error instanceof CommercyError) {
      const fields: string[] = error.fieldErrors.map((e) => e.field);
      const wait: number | null = error.retryAfter;
      const id: string | null = error.requestId;
      return `${fields.join()} ${wait} ${id}`;
    }
  }
  return `${total} ${replayed} ${hasNext} ${pdf.length} ${csv.length}`;
}
