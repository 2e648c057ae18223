// The quote's near-miss help (AttestationForm): a button puts the body's own passage in the quote
// field, with its offsets; another picks one of a quote's several occurrences. One click each.
"use strict";

document.addEventListener("click", (event) => {
  const button = event.target.closest("button.ct-use-passage, button.ct-use-occurrence");
  if (!button) return;
  event.preventDefault();
  const prefix = button.dataset.target; // the form's field name prefix ("" or "attestations-0-")
  const field = (name) => document.querySelector(`[name="${prefix}${name}"]`);
  if (button.dataset.quote !== undefined && field("quote")) field("quote").value = button.dataset.quote;
  const start = field("start");
  if (start) {
    if (start.tagName === "SELECT" && ![...start.options].some((o) => o.value === button.dataset.start)) {
      start.add(new Option(button.dataset.start, button.dataset.start));
    }
    start.value = button.dataset.start;
  }
  if (field("end")) field("end").value = button.dataset.end;
  const list = button.closest("ul.ct-passages");
  if (list) list.querySelectorAll("li").forEach((li) => li.classList.toggle("ct-chosen", li.contains(button)));
  button.textContent = "✓ used: save to keep it";
});
