// Copy to config.js (serve.mjs writes it for you from the environment).
export default {
  baseUrl: "http://127.0.0.1:8000",
  // A token the page may show to every visitor: see the README ("The token in a public page").
  token: "",
  product: { id: 1, name: "Tapis berbère", price: 120.5 },
};
