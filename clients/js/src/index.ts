export {
  Accounts,
  Auth,
  BlockedPhones,
  Calls,
  Commercy,
  type CommercyOptions,
  Converty,
  ConvertyMappings,
  ConvertyProducts,
  type CreateOptions,
  Digishare,
  etag,
  type LoginOptions,
  Orders,
  Products,
  Resellers,
  Stats,
  Suppliers,
  Users,
} from "./client.js";
export { CommercyError, type CommercyErrorInit, type FieldError } from "./errors.js";
export { DEFAULT_RETRY, newIdempotencyKey, type RetryPolicy, retryDelay } from "./transport.js";
export type * from "./types.js";
export type { components, operations, paths } from "./schema.js";
