// "Select all" of a table of checkboxes: <input type="checkbox" data-select-all="NAME"> ticks
// every box named NAME in its form. A file of its own: the CSP forbids inline scripts.
document.addEventListener("change", (event) => {
  const all = event.target;
  if (!(all instanceof HTMLInputElement) || !all.dataset.selectAll) return;
  for (const box of all.form.querySelectorAll(`input[name="${all.dataset.selectAll}"]`)) {
    box.checked = all.checked;
  }
});
