// The checkout form: builds the order from the form and sends it with commercy-sdk (the SDK's
// built ES modules, served under ./commercy-sdk/); shows the order number, or each field error
// of the API next to its field. The configuration (API address, token, product) is config.js.
import { Commercy, CommercyError, newIdempotencyKey } from "./commercy-sdk/index.js";
import config from "./config.js";

const api = new Commercy({ baseUrl: config.baseUrl, token: config.token });
const form = document.getElementById("checkout");
const result = document.getElementById("result");
const submit = document.getElementById("submit");

document.getElementById("product-name").textContent = config.product.name;
document.getElementById("product-price").textContent = String(config.product.price);

// One key per sale: kept until the order is made, so a second click or a retry after a lost
// answer gives back the same order instead of a second one.
let idempotencyKey = newIdempotencyKey();

// The API names an item's fields `products.0.quantity`: the form has one item.
const FIELD_OF = { "products.0.quantity": "quantity", "products.0.notes": "notes" };

function showFieldErrors(errors) {
  for (const slot of form.querySelectorAll("[data-error-for]")) slot.textContent = "";
  for (const { field, message } of errors) {
    const slot = form.querySelector(`[data-error-for="${FIELD_OF[field] ?? field}"]`);
    if (slot) slot.textContent = message;
  }
}

function showResult(kind, text) {
  result.hidden = false;
  result.className = kind;
  result.textContent = text;
}

function orderFromForm() {
  const value = (name) => form.elements[name].value.trim() || null;
  return {
    customerName: value("customerName"),
    customerPhone: value("customerPhone") ?? "",
    customerAddress: value("customerAddress"),
    customerCity: value("customerCity"),
    customerGovernorate: value("customerGovernorate"),
    source: "site_web",
    products: [
      {
        productId: config.product.id,
        quantity: Number(form.elements.quantity.value),
        price: config.product.price,
        notes: value("notes") ?? "",
      },
    ],
  };
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  submit.disabled = true;
  try {
    const created = await api.orders.create(orderFromForm(), { idempotencyKey });
    showFieldErrors([]);
    showResult("ok", `Merci ! Votre commande ${created.orderNumber} est enregistrée.`);
    form.reset();
    idempotencyKey = newIdempotencyKey(); // the next sale is another order
  } catch (error) {
    if (error instanceof CommercyError && error.fieldErrors.length > 0) {
      showFieldErrors(error.fieldErrors);
      showResult("failed", "Merci de corriger les champs indiqués.");
    } else if (error instanceof CommercyError && error.status === 429) {
      showResult("failed", `Trop de demandes : réessayez dans ${error.retryAfter ?? 1} s.`);
    } else {
      // A network failure: the same key is kept, so trying again cannot make two orders.
      showResult("failed", "La commande n'a pas pu être envoyée, réessayez.");
      console.error(error);
    }
  } finally {
    submit.disabled = false;
  }
});
