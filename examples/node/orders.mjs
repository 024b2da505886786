#!/usr/bin/env node
// A reseller's back office talking to Commercy with commercy-sdk:
//   1. logs in (the token stays in the client);
//   2. creates an order under an idempotency key derived from the shop's own cart id, so a
//      repeat (a retry, a double click, a crash between send and save) never makes two orders;
//   3. pages through every order with the async iterator and sums them up;
//   4. turns every CommercyError into a clear message: field errors of a 400, the wait of a 429.
//
//   COMMERCY_BASE_URL=http://127.0.0.1:8000 COMMERCY_IDENTIFIER=... COMMERCY_PASSWORD=... node orders.mjs
import { randomUUID } from "node:crypto";
import { Commercy, CommercyError } from "commercy-sdk";

const config = {
  baseUrl: process.env.COMMERCY_BASE_URL ?? "http://127.0.0.1:8000",
  identifier: process.env.COMMERCY_IDENTIFIER,
  password: process.env.COMMERCY_PASSWORD,
  productId: process.env.COMMERCY_PRODUCT_ID ? Number(process.env.COMMERCY_PRODUCT_ID) : null,
  // Your own reference of the sale (a cart, a form submission...): the key follows from it.
  cartId: process.env.CART_ID ?? randomUUID(),
};

/** Reads are not retried by the SDK (only creates are): wait what a 429 asks, once. */
async function patiently(read) {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof CommercyError) || error.status !== 429) throw error;
    const seconds = error.retryAfter ?? 1;
    console.log(`Rate limited: waiting ${seconds} s as the API asks (request ${error.requestId})`);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    return read();
  }
}

async function pickProduct(api) {
  if (config.productId !== null) return api.products.get(config.productId);
  const { items } = await patiently(() => api.products.list({ limit: 1 }));
  if (items.length === 0) throw new Error("no product to sell: create one first (as a supplier)");
  return items[0];
}

async function main() {
  if (!config.identifier || !config.password) {
    throw new Error("set COMMERCY_IDENTIFIER and COMMERCY_PASSWORD (a reseller's login)");
  }
  const api = await Commercy.login({
    baseUrl: config.baseUrl,
    identifier: config.identifier,
    password: config.password,
    // orders.create retries network failures, 429 and 503 on its own; at most 4 tries, never a
    // wait beyond 20 s.
    retry: { attempts: 4, backoffMs: 500, maxWaitMs: 20_000 },
  });
  const me = await api.auth.me();
  console.log(`Logged in as ${me.identifier} (${me.role})`);

  const product = await pickProduct(api);
  const order = {
    customerName: "Ahmed Ben Ali",
    customerPhone: "+216 20 123 456",
    customerAddress: "12 rue de Marseille",
    customerCity: "Tunis",
    customerGovernorate: "Tunis",
    source: "site_web",
    shippingOption: "paid",
    shippingCost: 7,
    products: [{ productId: product.id, quantity: 2, price: product.price, notes: "Taille M" }],
  };
  const idempotencyKey = `cart-${config.cartId}`;
  const created = await api.orders.create(order, { idempotencyKey });
  console.log(
    `Created order ${created.orderNumber}: ${created.order.total} TND, ${created.orderStatus}`,
  );

  // The same key again (as a retry after a lost answer would): the same order comes back.
  const again = await api.orders.create(order, { idempotencyKey });
  console.log(`Sent again under the same key: ${again.orderNumber} (replayed: ${again.replayed})`);

  let count = 0;
  let pending = 0;
  for await (const each of api.orders.iterate({ limit: 50, sort: "-createdAt" })) {
    count += 1;
    if (each.status === "pending") pending += 1;
  }
  console.log(`${count} orders in your scope, ${pending} pending`);
}

try {
  await main();
} catch (error) {
  process.exitCode = 1;
  if (error instanceof CommercyError) {
    console.error(`Commercy refused: ${error.status} ${error.error}: ${error.message}`);
    for (const field of error.fieldErrors) console.error(`  - ${field.field}: ${field.message}`);
    if (error.retryAfter !== null) console.error(`  try again in ${error.retryAfter} s`);
    console.error(`  request id: ${error.requestId}`);
  } else {
    console.error(`Failed: ${error instanceof Error ? error.message : error}`);
  }
}
