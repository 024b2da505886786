/** The Commercy client: one resource object per part of the API, one method per operation. */
import type { components } from "./schema.js";
import {
  type Call,
  type Query,
  type RetryPolicy,
  Transport,
  newIdempotencyKey,
  segment,
} from "./transport.js";
import type {
  ApiStatus,
  BlockedPhone,
  BlockedPhoneFilters,
  BulkStatusResult,
  CallAttempt,
  CallQueue,
  CallQueueQuery,
  CallRecorded,
  CallStats,
  CallStatsQuery,
  Claim,
  ConnectionCheck,
  ConvertyProduct,
  ConvertyProductInput,
  ConvertyUpsert,
  DigishareSettings,
  DigishareSettingsInput,
  DuplicateEvent,
  ForReseller,
  Job,
  JobState,
  LoginResult,
  MappingCheck,
  NewBlockedPhone,
  NewCall,
  NewMapping,
  NewOrder,
  NewProduct,
  NewReseller,
  NewSupplier,
  NewUser,
  Order,
  OrderChanges,
  OrderCreated,
  OrderDetail,
  OrderFilters,
  OrderStats,
  OrderStatsQuery,
  OrderStatus,
  Page,
  PageQuery,
  Pagination,
  Product,
  ProductChanges,
  ProductFilters,
  ProductMapping,
  QueueSettings,
  QueueSettingsInput,
  Reseller,
  ResellerChanges,
  StatusChange,
  Supplier,
  SupplierChanges,
  User,
  UserChanges,
  WebhookEvent,
} from "./types.js";

type Schemas = components["schemas"];

export interface CommercyOptions {
  /** The server's address (`https://api.example.com`); `/api/v1` is added. */
  baseUrl: string;
  /** A bearer token; or log in with `Commercy.login` / `client.auth.login`. */
  token?: string | null;
  /** How `orders.create` is retried (nothing else is). */
  retry?: Partial<RetryPolicy>;
  /** Per try, in milliseconds (30 s by default; 0 for none). */
  timeoutMs?: number;
  /** Headers sent with every call. */
  headers?: Record<string, string>;
  /** The platform's `fetch` unless given. */
  fetch?: typeof fetch;
  /** How a retry waits (`setTimeout` unless given). */
  sleep?: (ms: number) => Promise<void>;
}

export interface LoginOptions extends Omit<CommercyOptions, "token"> {
  identifier: string;
  password: string;
}

export interface CreateOptions {
  /** Sent as `Idempotency-Key`; a new UUID unless given. Keep it to repeat the same create. */
  idempotencyKey?: string;
}

interface Envelope<T> {
  data: T;
}

/**
 * The Commercy API, one promise per call.
 *
 * ```ts
 * const api = await Commercy.login({ baseUrl, identifier, password });
 * const { orderNumber } = await api.orders.create(order);
 * ```
 */
export class Commercy {
  readonly auth: Auth;
  readonly orders: Orders;
  readonly products: Products;
  readonly converty: Converty;
  readonly digishare: Digishare;
  readonly accounts: Accounts;
  readonly blockedPhones: BlockedPhones;
  readonly stats: Stats;
  readonly calls: Calls;
  private readonly transport: Transport;

  constructor(options: CommercyOptions) {
    this.transport = new Transport(options);
    this.auth = new Auth(this.transport);
    this.orders = new Orders(this.transport);
    this.products = new Products(this.transport);
    this.converty = new Converty(this.transport);
    this.digishare = new Digishare(this.transport);
    this.accounts = new Accounts(this.transport);
    this.blockedPhones = new BlockedPhones(this.transport);
    this.stats = new Stats(this.transport);
    this.calls = new Calls(this.transport);
  }

  /** A client logged in as `identifier` (the other options as for the constructor). */
  static async login(options: LoginOptions): Promise<Commercy> {
    const { identifier, password, ...rest } = options;
    const client = new Commercy(rest);
    await client.auth.login(identifier, password);
    return client;
  }

  /** The bearer token calls are sent with (set by `auth.login`). */
  get token(): string | null {
    return this.transport.token;
  }

  set token(token: string | null) {
    this.transport.token = token;
  }

  /** The API's root, `.../api/v1`. */
  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  /** `GET /status`: up, version, uptime, database reachable (no token needed). */
  async status(): Promise<ApiStatus> {
    return data<ApiStatus>(this.transport, { method: "GET", path: "/status" });
  }
}

async function data<T>(transport: Transport, call: Call): Promise<T> {
  return (await transport.json<Envelope<T>>(call)).data;
}

async function page<T>(transport: Transport, call: Call): Promise<Page<T>> {
  const answer = await transport.json<{ data: T[]; pagination: Pagination }>(call);
  return { items: answer.data, pagination: answer.pagination };
}

/** Every item of a list, page after page (100 a page unless `limit`). */
async function* everyItem<T>(
  list: (query: PageQuery) => Promise<Page<T>>,
  limit: number | undefined,
  start: number | undefined,
): AsyncGenerator<T, void, undefined> {
  let pageNumber = start ?? 1;
  for (;;) {
    const current = await list({ page: pageNumber, limit: limit ?? 100 });
    yield* current.items;
    if (!current.pagination.hasNext) return;
    pageNumber = current.pagination.page + 1;
  }
}

export class Auth {
  constructor(private readonly transport: Transport) {}

  /** `POST /auth/login`: logs in and keeps the token for every later call. */
  async login(identifier: string, password: string): Promise<LoginResult> {
    const answer = await this.transport.json<Schemas["LoginAnswer"]>({
      method: "POST",
      path: "/auth/login",
      body: { identifier, password },
      anonymous: true,
    });
    this.transport.token = answer.token;
    const { token, tokenType, expiresAt, user } = answer;
    return { token, tokenType, expiresAt, user };
  }

  /** `GET /auth/me`: the account the token belongs to. */
  async me(): Promise<User> {
    return data<User>(this.transport, { method: "GET", path: "/auth/me" });
  }
}

export class Orders {
  constructor(private readonly transport: Transport) {}

  /**
   * `POST /orders`: creates an order (`customerPhone` and 1-2 `products` at least).
   *
   * Sent under an `Idempotency-Key` (a new UUID unless `idempotencyKey` is given), so it is
   * retried safely after a network failure, a 429 (after `Retry-After`) or a 503: the API
   * answers a repeat with the first order (`replayed` is then true) instead of making another.
   */
  async create(order: NewOrder, options: CreateOptions = {}): Promise<OrderCreated> {
    const response = await this.transport.send({
      method: "POST",
      path: "/orders",
      body: order,
      headers: { "Idempotency-Key": options.idempotencyKey ?? newIdempotencyKey() },
      retry: true,
    });
    const answer = (await response.json()) as Schemas["OrderCreatedAnswer"];
    return { ...answer, replayed: response.headers.get("Idempotent-Replayed") === "true" };
  }

  /** `GET /orders`: one page of the orders in your scope, newest first. */
  async list(filters: OrderFilters = {}): Promise<Page<Order>> {
    return page<Order>(this.transport, { method: "GET", path: "/orders", query: filters as Query });
  }

  /** Every order matching the filters, page after page: `for await (const o of ...)`. */
  iterate(filters: OrderFilters = {}): AsyncGenerator<Order, void, undefined> {
    const { page: start, limit, ...rest } = filters;
    return everyItem((query) => this.list({ ...rest, ...query }), limit, start);
  }

  /** `GET /orders/{reference}`: one order by id or order number (`ORD-...`). */
  async get(reference: number | string): Promise<OrderDetail> {
    return data<OrderDetail>(this.transport, {
      method: "GET",
      path: `/orders/${segment(reference)}`,
    });
  }

  /** `PATCH /orders/{reference}`: corrects the order during the call; only the fields given
   * change (`null` clears an optional one), `items` is the whole new basket. With `ifMatch`
   * (`etag(order)` of your read), a change made by someone else since answers 412 and nothing
   * is written. */
  async update(
    reference: number | string,
    changes: OrderChanges,
    options: { ifMatch?: string } = {},
  ): Promise<OrderDetail> {
    return data<OrderDetail>(this.transport, {
      method: "PATCH",
      path: `/orders/${segment(reference)}`,
      body: changes,
      headers: options.ifMatch === undefined ? undefined : { "If-Match": options.ifMatch },
    });
  }

  /** `PATCH /orders/{reference}/status`: moves the order; a refused move is a 409 whose
   * `details` hold `currentStatus` and `allowedStatuses`. */
  async setStatus(
    reference: number | string,
    status: OrderStatus,
    options: { note?: string } = {},
  ): Promise<OrderDetail> {
    return data<OrderDetail>(this.transport, {
      method: "PATCH",
      path: `/orders/${segment(reference)}/status`,
      body: withNote({ status }, options.note),
    });
  }

  /** `POST /orders/bulk-status`: up to 100 orders to one status, a result per id. */
  async bulkStatus(
    ids: number[],
    status: OrderStatus,
    options: { note?: string } = {},
  ): Promise<BulkStatusResult[]> {
    return data<BulkStatusResult[]>(this.transport, {
      method: "POST",
      path: "/orders/bulk-status",
      body: withNote({ ids, status }, options.note),
    });
  }

  /** `GET /orders/{reference}/history`: every status of the order, oldest first. */
  async history(reference: number | string): Promise<StatusChange[]> {
    return data<StatusChange[]>(this.transport, {
      method: "GET",
      path: `/orders/${segment(reference)}/history`,
    });
  }

  /** `GET /orders/{reference}/invoice.pdf`: the invoice, as PDF bytes. */
  async invoicePdf(reference: number | string): Promise<Uint8Array> {
    return this.bytes(`/orders/${segment(reference)}/invoice.pdf`);
  }

  /** `GET /orders/{reference}/label.pdf`: the 100 x 150 mm shipping label, as PDF bytes. */
  async labelPdf(reference: number | string): Promise<Uint8Array> {
    return this.bytes(`/orders/${segment(reference)}/label.pdf`);
  }

  /** `GET /orders/export.csv`: the filtered orders (at most 50,000) as CSV text, without the
   * byte-order mark the API adds for spreadsheets. */
  async exportCsv(filters: Omit<OrderFilters, "page" | "limit"> = {}): Promise<string> {
    const response = await this.transport.send({
      method: "GET",
      path: "/orders/export.csv",
      query: filters as Query,
    });
    return (await response.text()).replace(/^\uFEFF/, "");
  }

  private async bytes(path: string): Promise<Uint8Array> {
    const response = await this.transport.send({ method: "GET", path });
    return new Uint8Array(await response.arrayBuffer());
  }
}

function withNote<T extends object>(body: T, note: string | undefined): T & { note?: string } {
  return note === undefined ? body : { ...body, note };
}

export class Products {
  constructor(private readonly transport: Transport) {}

  /** `GET /products`: your products (`search` by name or code). */
  async list(filters: ProductFilters = {}): Promise<Page<Product>> {
    return page<Product>(this.transport, {
      method: "GET",
      path: "/products",
      query: filters as Query,
    });
  }

  /** Every product matching `search`, page after page. */
  iterate(filters: ProductFilters = {}): AsyncGenerator<Product, void, undefined> {
    const { page: start, limit, ...rest } = filters;
    return everyItem(
      (query) => this.list({ ...rest, ...query }),
      limit ?? undefined,
      start ?? undefined,
    );
  }

  /** `GET /products/{id}`. */
  async get(productId: number): Promise<Product> {
    return data<Product>(this.transport, {
      method: "GET",
      path: `/products/${segment(productId)}`,
    });
  }

  /** `POST /products`: `name`, `price`, and optionally `code`, `costPrice`, `stockQuantity`,
   * `image` (admins: `supplierId`). */
  async create(product: NewProduct): Promise<Product> {
    return data<Product>(this.transport, { method: "POST", path: "/products", body: product });
  }

  /** `PATCH /products/{id}`: only the fields given change. */
  async update(productId: number, changes: ProductChanges): Promise<Product> {
    return data<Product>(this.transport, {
      method: "PATCH",
      path: `/products/${segment(productId)}`,
      body: changes,
    });
  }
}

export class ConvertyProducts {
  constructor(private readonly transport: Transport) {}

  /** `GET /converty/products`: your Converty catalogue (admins: `resellerId`). */
  async list(query: PageQuery & ForReseller = {}): Promise<Page<ConvertyProduct>> {
    return page<ConvertyProduct>(this.transport, {
      method: "GET",
      path: "/converty/products",
      query: { ...query },
    });
  }

  /** `POST /converty/products`: creates or updates up to 500 products by Converty `id`;
   * answers them with the `created` and `updated` counts. */
  async upsert(
    products: ConvertyProductInput[],
    options: ForReseller = {},
  ): Promise<ConvertyUpsert> {
    const body: Schemas["ConvertyCatalogUpsert"] = { products };
    if (options.resellerId !== undefined) body.resellerId = options.resellerId;
    const answer = await this.transport.json<Schemas["CatalogSaved"]>({
      method: "POST",
      path: "/converty/products",
      body,
    });
    return { products: answer.data, created: answer.created, updated: answer.updated };
  }
}

export class ConvertyMappings {
  constructor(private readonly transport: Transport) {}

  /** `GET /converty/product-mappings`: every mapping (not paged). */
  async list(options: ForReseller = {}): Promise<ProductMapping[]> {
    const answer = await this.transport.json<Schemas["MappingList"]>({
      method: "GET",
      path: "/converty/product-mappings",
      query: { ...options },
    });
    return answer.mappings;
  }

  /** `POST /converty/product-mappings`: maps a Converty product to a supplier product. */
  async create(mapping: NewMapping): Promise<ProductMapping> {
    const answer = await this.transport.json<Schemas["MappingCreated"]>({
      method: "POST",
      path: "/converty/product-mappings",
      body: mapping,
    });
    return answer.mapping;
  }

  /** `DELETE /converty/product-mappings/{id}`. */
  async delete(mappingId: number): Promise<void> {
    await this.transport.send({
      method: "DELETE",
      path: `/converty/product-mappings/${segment(mappingId)}`,
    });
  }
}

export class Converty {
  readonly products: ConvertyProducts;
  readonly mappings: ConvertyMappings;

  constructor(private readonly transport: Transport) {
    this.products = new ConvertyProducts(transport);
    this.mappings = new ConvertyMappings(transport);
  }

  /** `GET /converty/check-mappings/{resellerId}`: is the reseller ready for Converty orders. */
  async checkMappings(resellerId: number): Promise<MappingCheck> {
    const {
      success: _s,
      message: _m,
      timestamp: _t,
      ...check
    } = await this.transport.json<Schemas["MappingCheck"]>({
      method: "GET",
      path: `/converty/check-mappings/${segment(resellerId)}`,
    });
    return check;
  }
}

const DIGISHARE = "/integrations/digishare";

/** The WhatsApp confirmation settings, their jobs and events (admins: `resellerId`). */
export class Digishare {
  constructor(private readonly transport: Transport) {}

  /** `GET /integrations/digishare`: secrets never come back, only `tokenSet`... */
  async getSettings(options: ForReseller = {}): Promise<DigishareSettings> {
    return data<DigishareSettings>(this.transport, {
      method: "GET",
      path: DIGISHARE,
      query: { ...options },
    });
  }

  /** `PUT /integrations/digishare`: `baseUrl`, `token` (or `clientId` and `clientSecret`),
   * `ticketTypeId`, `initialStatusId`, `statusMap`, `webhookAuth`, `enabled`... */
  async putSettings(
    settings: DigishareSettingsInput,
    options: ForReseller = {},
  ): Promise<DigishareSettings> {
    return data<DigishareSettings>(this.transport, {
      method: "PUT",
      path: DIGISHARE,
      query: { ...options },
      body: settings,
    });
  }

  /** `POST /integrations/digishare/test`: `status` `ok`, `unauthorized` or `unreachable`,
   * with the `reason`. */
  async testConnection(options: ForReseller = {}): Promise<ConnectionCheck> {
    return data<ConnectionCheck>(this.transport, {
      method: "POST",
      path: `${DIGISHARE}/test`,
      query: { ...options },
    });
  }

  /** `GET /integrations/digishare/jobs`: ticket jobs (`state`: pending, running, done,
   * failed). */
  async jobs(query: PageQuery & ForReseller & { state?: JobState } = {}): Promise<Page<Job>> {
    return page<Job>(this.transport, {
      method: "GET",
      path: `${DIGISHARE}/jobs`,
      query: { ...query },
    });
  }

  /** `POST /integrations/digishare/jobs/{id}/retry`: a failed job runs again. */
  async retryJob(jobId: number, options: ForReseller = {}): Promise<Job> {
    return data<Job>(this.transport, {
      method: "POST",
      path: `${DIGISHARE}/jobs/${segment(jobId)}/retry`,
      query: { ...options },
    });
  }

  /** `GET /integrations/digishare/events`: webhook events received, and their outcome. */
  async events(query: PageQuery & ForReseller = {}): Promise<Page<WebhookEvent>> {
    return page<WebhookEvent>(this.transport, {
      method: "GET",
      path: `${DIGISHARE}/events`,
      query: { ...query },
    });
  }

  /** `POST /webhooks/digishare/{integrationId}`: what Digishare calls; here to replay an event
   * by hand. `headers` carry the integration's webhook credential (not your token). */
  async deliverWebhook(
    integrationId: number,
    event: Record<string, unknown>,
    options: { headers: Record<string, string> },
  ): Promise<WebhookEvent | DuplicateEvent> {
    return data<WebhookEvent | DuplicateEvent>(this.transport, {
      method: "POST",
      path: `/webhooks/digishare/${segment(integrationId)}`,
      body: event,
      headers: options.headers,
      anonymous: true,
    });
  }
}

export class Suppliers {
  constructor(private readonly transport: Transport) {}

  /** `GET /suppliers`. */
  async list(query: PageQuery = {}): Promise<Page<Supplier>> {
    return page<Supplier>(this.transport, {
      method: "GET",
      path: "/suppliers",
      query: { ...query },
    });
  }

  /** `GET /suppliers/{id}`. */
  async get(supplierId: number): Promise<Supplier> {
    return data<Supplier>(this.transport, {
      method: "GET",
      path: `/suppliers/${segment(supplierId)}`,
    });
  }

  /** `POST /suppliers` (admins). */
  async create(supplier: NewSupplier): Promise<Supplier> {
    return data<Supplier>(this.transport, { method: "POST", path: "/suppliers", body: supplier });
  }

  /** `PATCH /suppliers/{id}` (admins): name, email, phone (`null` clears email or phone). */
  async update(supplierId: number, changes: SupplierChanges): Promise<Supplier> {
    return data<Supplier>(this.transport, {
      method: "PATCH",
      path: `/suppliers/${segment(supplierId)}`,
      body: changes,
    });
  }
}

export class Resellers {
  constructor(private readonly transport: Transport) {}

  /** `GET /resellers`. */
  async list(query: PageQuery = {}): Promise<Page<Reseller>> {
    return page<Reseller>(this.transport, {
      method: "GET",
      path: "/resellers",
      query: { ...query },
    });
  }

  /** `GET /resellers/{id}`. */
  async get(resellerId: number): Promise<Reseller> {
    return data<Reseller>(this.transport, {
      method: "GET",
      path: `/resellers/${segment(resellerId)}`,
    });
  }

  /** `POST /resellers` (admins): a reseller selling for `supplierId`. */
  async create(reseller: NewReseller): Promise<Reseller> {
    return data<Reseller>(this.transport, { method: "POST", path: "/resellers", body: reseller });
  }

  /** `PATCH /resellers/{id}` (admins): name, email, phone; its supplier stays. */
  async update(resellerId: number, changes: ResellerChanges): Promise<Reseller> {
    return data<Reseller>(this.transport, {
      method: "PATCH",
      path: `/resellers/${segment(resellerId)}`,
      body: changes,
    });
  }
}

export class Users {
  constructor(private readonly transport: Transport) {}

  /** `GET /users`: the users you manage. */
  async list(query: PageQuery = {}): Promise<Page<User>> {
    return page<User>(this.transport, { method: "GET", path: "/users", query: { ...query } });
  }

  /** `POST /users`: a login (resellers create `agent` logins only). */
  async create(user: NewUser): Promise<User> {
    return data<User>(this.transport, { method: "POST", path: "/users", body: user });
  }

  /** `PATCH /users/{id}`: rename, reset the password, or disable (`isActive: false`). */
  async update(userId: number, changes: UserChanges): Promise<User> {
    return data<User>(this.transport, {
      method: "PATCH",
      path: `/users/${segment(userId)}`,
      body: changes,
    });
  }
}

/** Suppliers, resellers and users (admins; suppliers and resellers see their own). */
export class Accounts {
  readonly suppliers: Suppliers;
  readonly resellers: Resellers;
  readonly users: Users;

  constructor(transport: Transport) {
    this.suppliers = new Suppliers(transport);
    this.resellers = new Resellers(transport);
    this.users = new Users(transport);
  }
}

/** Numbers whose orders are stored but kept out of the queue and of Digishare. */
export class BlockedPhones {
  constructor(private readonly transport: Transport) {}

  /** `GET /blocked-phones`: your reseller's list and the global one (admins: every list;
   * `resellerId`: one reseller's own list; `phone`: one number). */
  async list(filters: BlockedPhoneFilters = {}): Promise<Page<BlockedPhone>> {
    return page<BlockedPhone>(this.transport, {
      method: "GET",
      path: "/blocked-phones",
      query: { ...filters },
    });
  }

  /** `POST /blocked-phones`: blocks a number (admins: globally, or for `resellerId`); a
   * number already in that list is a 409. */
  async create(entry: NewBlockedPhone): Promise<BlockedPhone> {
    return data<BlockedPhone>(this.transport, {
      method: "POST",
      path: "/blocked-phones",
      body: entry,
    });
  }

  /** `DELETE /blocked-phones/{id}`: orders already marked blocked stay so. */
  async delete(entryId: number): Promise<void> {
    await this.transport.send({ method: "DELETE", path: `/blocked-phones/${segment(entryId)}` });
  }
}

/** Figures for supervisors, within the caller's scope. */
export class Stats {
  constructor(private readonly transport: Transport) {}

  /** `GET /stats/orders`: order figures of a period (days, both included; default the last
   * 30) in `totals` and per `groupBy` (day, product, city, source, reseller). */
  async orders(query: OrderStatsQuery = {}): Promise<OrderStats> {
    return data<OrderStats>(this.transport, {
      method: "GET",
      path: "/stats/orders",
      query: { ...query },
    });
  }
}

/** The call center: the next order to call, claims, call attempts, the queue, its rules. */
export class Calls {
  constructor(private readonly transport: Transport) {}

  /** `POST /calls/next`: claims the next order due in your queue and returns it; `null` when
   * nothing is due (204). */
  async next(): Promise<OrderDetail | null> {
    const response = await this.transport.send({ method: "POST", path: "/calls/next" });
    if (response.status === 204) return null;
    return ((await response.json()) as Envelope<OrderDetail>).data;
  }

  /** `POST /orders/{reference}/claim`: claims the order (or renews your claim); a 409 names
   * the other holder and when its claim ends. */
  async claim(reference: number | string): Promise<Claim> {
    return data<Claim>(this.transport, {
      method: "POST",
      path: `/orders/${segment(reference)}/claim`,
    });
  }

  /** `DELETE /orders/{reference}/claim`: gives the order back to the queue. */
  async release(reference: number | string): Promise<void> {
    await this.transport.send({ method: "DELETE", path: `/orders/${segment(reference)}/claim` });
  }

  /** `POST /orders/{reference}/calls`: records your call (you must hold the claim). */
  async record(reference: number | string, call: NewCall): Promise<CallRecorded> {
    return data<CallRecorded>(this.transport, {
      method: "POST",
      path: `/orders/${segment(reference)}/calls`,
      body: call,
    });
  }

  /** `GET /orders/{reference}/calls`: the calls of the order, oldest first. */
  async list(reference: number | string): Promise<CallAttempt[]> {
    return data<CallAttempt[]>(this.transport, {
      method: "GET",
      path: `/orders/${segment(reference)}/calls`,
    });
  }

  /** `GET /calls/queue` (admins, resellers): counts by reason and a page of the queue. */
  async queue(query: CallQueueQuery = {}): Promise<CallQueue> {
    return this.transport.json<CallQueue>({
      method: "GET",
      path: "/calls/queue",
      query: { ...query },
    });
  }

  /** `GET /stats/calls`: calls per agent and day (UTC), the last 30 days by default. */
  async stats(query: CallStatsQuery = {}): Promise<CallStats[]> {
    return data<CallStats[]>(this.transport, {
      method: "GET",
      path: "/stats/calls",
      query: { ...query },
    });
  }

  /** `GET /calls/settings`: the rules the queue follows, overrides and defaults. */
  async getSettings(options: ForReseller = {}): Promise<QueueSettings> {
    return data<QueueSettings>(this.transport, {
      method: "GET",
      path: "/calls/settings",
      query: { ...options },
    });
  }

  /** `PUT /calls/settings`: the reseller's own rules; `null` goes back to the default. */
  async putSettings(
    settings: QueueSettingsInput,
    options: ForReseller = {},
  ): Promise<QueueSettings> {
    return data<QueueSettings>(this.transport, {
      method: "PUT",
      path: "/calls/settings",
      query: { ...options },
      body: settings,
    });
  }
}

/** The `ETag` of an order as read (its `id` and `version`), for `orders.update`'s `ifMatch`. */
export function etag(order: { id: number; version: number }): string {
  return `W/"${order.id}-${order.version}"`;
}
