/**
 * Names for the API's shapes, all taken from the generated `schema.ts` (never written by hand):
 * what a method sends and what it answers.
 */
import type { components, paths } from "./schema.js";

type Schemas = components["schemas"];
type QueryOf<Op> = Op extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

// --- orders ---------------------------------------------------------------------------------
export type OrderStatus = Schemas["OrderStatus"];
export type OrderSource = Schemas["OrderSource"];
/** The body of `orders.create`: `customerPhone` and 1-2 `products` are required. */
export type NewOrder = Schemas["OrderCreate"];
export type NewOrderItem = Schemas["OrderItemIn"];
/** An order as lists show it. */
export type Order = Schemas["OrderOut"];
/** One order with its items and status history (`orders.get`, `orders.setStatus`). */
export type OrderDetail = Schemas["OrderDetailOut"];
export type OrderItem = Schemas["OrderItemOut"];
/** `orders.create`'s answer; `replayed` is true when the API answered a repeated
 * `Idempotency-Key` with the order it made the first time. */
export type OrderCreated = Schemas["OrderCreatedAnswer"] & { replayed: boolean };
export type StatusChange = Schemas["StatusChangeOut"];
/** The body of `orders.update`: only the fields sent change; `items` is the whole new basket. */
export type OrderChanges = Schemas["OrderEdit"];
export type BulkStatusResult = Schemas["BulkStatusResult"];
/** Filters of `orders.list`, `orders.iterate` and `orders.exportCsv` (`status` and `source`
 * take one value or several; `sort` a field, `-` first for descending). */
export type OrderFilters = Omit<QueryOf<paths["/api/v1/orders"]["get"]>, "status" | "source"> & {
  status?: OrderStatus | OrderStatus[] | null;
  source?: OrderSource | OrderSource[] | null;
};

// --- catalogue ------------------------------------------------------------------------------
/** A product; suppliers and admins also see `costPrice`. */
export type Product = Schemas["ProductOut"] | Schemas["ProductPrivateOut"];
export type NewProduct = Schemas["ProductCreate"];
export type ProductChanges = Schemas["ProductUpdate"];
export type ProductFilters = QueryOf<paths["/api/v1/products"]["get"]>;
export type ConvertyProduct = Schemas["ConvertyProductOut"];
export type ConvertyProductInput = Schemas["ConvertyProductIn"];
export type ConvertyUpsert = { products: ConvertyProduct[]; created: number; updated: number };
export type ProductMapping = Schemas["MappingOut"];
export type NewMapping = Schemas["MappingCreate"];
export type MappingCheck = Omit<Schemas["MappingCheck"], "success" | "message" | "timestamp">;

// --- Digishare ------------------------------------------------------------------------------
export type DigishareSettings = Schemas["IntegrationOut"];
export type DigishareSettingsInput = Schemas["IntegrationUpdate"];
export type ConnectionCheck = Schemas["ConnectionTestOut"];
export type Job = Schemas["JobOut"];
export type JobState = Schemas["JobState"];
export type WebhookEvent = Schemas["EventOut"];
export type DuplicateEvent = Schemas["DuplicateEvent"];

// --- accounts -------------------------------------------------------------------------------
export type Role = Schemas["Role"];
export type User = Schemas["UserOut"];
export type NewUser = Schemas["UserCreate"];
export type UserChanges = Schemas["UserUpdate"];
export type Supplier = Schemas["SupplierOut"];
export type NewSupplier = Schemas["SupplierCreate"];
export type SupplierChanges = Schemas["SupplierUpdate"];
export type Reseller = Schemas["ResellerOut"];
export type NewReseller = Schemas["ResellerCreate"];
export type ResellerChanges = Schemas["ResellerUpdate"];
export type LoginResult = Pick<
  Schemas["LoginAnswer"],
  "token" | "tokenType" | "expiresAt" | "user"
>;
export type ApiStatus = Schemas["ApiStatus"];

// --- the call center's tools ----------------------------------------------------------------
export type CallOutcome = Schemas["CallOutcome"];
/** A call to record: `callbackAt` (with its time zone, in the future) is required for
 * `rapported`. */
export type NewCall = Schemas["CallIn"];
export type CallAttempt = Schemas["CallAttemptOut"];
export type CallRecorded = Schemas["CallRecordedOut"];
export type Claim = Schemas["ClaimOut"];
/** `calls.queue`: a page of the queue in calling order, with the counts by reason. */
export type CallQueue = Schemas["QueuePage"];
export type CallQueueQuery = QueryOf<paths["/api/v1/calls/queue"]["get"]>;
export type CallStats = Schemas["CallStatsOut"];
export type CallStatsQuery = QueryOf<paths["/api/v1/stats/calls"]["get"]>;
export type QueueSettings = Schemas["CallSettingsOut"];
export type QueueSettingsInput = Schemas["CallSettingsIn"];
/** A blocked number: orders from it are stored, marked `blocked` and kept from Digishare. */
export type BlockedPhone = Schemas["BlockedPhoneOut"];
export type NewBlockedPhone = Schemas["BlockedPhoneCreate"];
export type BlockedPhoneFilters = QueryOf<paths["/api/v1/blocked-phones"]["get"]>;
/** `stats.orders`: figures of a period, in `totals` and per group. */
export type OrderStats = Schemas["OrderStats"];
export type OrderStatsQuery = QueryOf<paths["/api/v1/stats/orders"]["get"]>;

// --- pages ----------------------------------------------------------------------------------
export type Pagination = Schemas["Pagination"];
/** One page of a list: its `items` and where it stands (`pagination.hasNext`, `total`...). */
export interface Page<T> {
  items: T[];
  pagination: Pagination;
}
/** `page` and `limit` (at most 100) of a plain list. */
export interface PageQuery {
  page?: number;
  limit?: number;
}
/** Admins act for a reseller of their choice; others are kept to their own. */
export interface ForReseller {
  resellerId?: number;
}
