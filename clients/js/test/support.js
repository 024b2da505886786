// What the tests share: the server they run against (from the environment), a fresh shop made
// through the SDK, the API document's example order, and a recorder of retry waits.
import { createServer } from "node:net";
import { Commercy } from "../dist/index.js";

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: these tests run against a live Commercy server ` +
        "(tests/clients/test_js_sdk.py starts one and sets COMMERCY_URL, COMMERCY_IDENTIFIER, " +
        "COMMERCY_PASSWORD, COMMERCY_LIMITED_URL and COMMERCY_THROTTLED_URL)",
    );
  }
  return value;
}

/** The live servers: `url` with generous limits, `limitedUrl` allowing 3 calls a minute per
 * user, `throttledUrl` 2 a second; all on one database; an admin's login. */
export const server = {
  get url() {
    return required("COMMERCY_URL");
  },
  get limitedUrl() {
    return required("COMMERCY_LIMITED_URL");
  },
  get throttledUrl() {
    return required("COMMERCY_THROTTLED_URL");
  },
  get admin() {
    return { identifier: required("COMMERCY_IDENTIFIER"), password: required("COMMERCY_PASSWORD") };
  },
};

export const PASSWORD = "a-long-test-password-42";

let shops = 0;

/** A new supplier with two products, its reseller, and a login for each, made by the admin:
 * every test counts only its own orders. */
export async function makeShop() {
  const admin = await Commercy.login({ baseUrl: server.url, ...server.admin });
  const tag = `${process.pid}-${Date.now()}-${++shops}`;
  const supplier = await admin.accounts.suppliers.create({ name: `Atlas ${tag}` });
  const reseller = await admin.accounts.resellers.create({
    name: `Souk ${tag}`,
    supplierId: supplier.id,
  });
  const supplierUser = await admin.accounts.users.create({
    identifier: `supplier-${tag}@example.com`,
    password: PASSWORD,
    role: "supplier",
    supplierId: supplier.id,
  });
  const resellerUser = await admin.accounts.users.create({
    identifier: `reseller-${tag}@example.com`,
    password: PASSWORD,
    role: "reseller",
    resellerId: reseller.id,
  });
  const asSupplier = await Commercy.login({
    baseUrl: server.url,
    identifier: supplierUser.identifier,
    password: PASSWORD,
  });
  const productIds = [];
  for (const [name, price] of [
    ["Tapis berbère", "120.500"],
    ["Lampe en cuivre", "65.990"],
  ]) {
    productIds.push((await asSupplier.products.create({ name, price, stockQuantity: 100 })).id);
  }
  return {
    admin,
    supplier,
    reseller,
    supplierUser,
    resellerUser,
    productIds,
    /** A client logged in as the reseller (options as for `Commercy.login`). */
    resellerClient: (options = {}) =>
      Commercy.login({
        baseUrl: server.url,
        identifier: resellerUser.identifier,
        password: PASSWORD,
        ...options,
      }),
  };
}

/** The API document's example: two products, shipping paid (total 258.48). */
export function documentedOrder(shop) {
  return {
    customerName: "Ahmed Ben Ali",
    customerPhone: "+216 20 123 456",
    customerAddress: "12 rue de Marseille",
    customerCity: "Tunis",
    customerGovernorate: "Tunis",
    source: "facebook_page",
    shippingOption: "paid",
    shippingCost: 6.0,
    products: [
      { productId: shop.productIds[0], quantity: 1, price: 120.5, notes: "Rouge" },
      { productId: shop.productIds[1], quantity: 2, price: 65.99, notes: "Petit" },
    ],
  };
}

/** An injected `sleep` that records the waits (in ms) instead of making them. */
export function recordingSleep() {
  const waits = [];
  const sleep = async (ms) => {
    waits.push(ms);
  };
  return { waits, sleep };
}

/** The address of a port nothing listens on. */
export async function closedPortUrl() {
  const listener = createServer();
  await new Promise((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const { port } = listener.address();
  await new Promise((resolve) => listener.close(resolve));
  return `http://127.0.0.1:${port}`;
}
