// A form that came back with errors: under "Please correct the errors below." each error is listed
// with a link to its field, and the page scrolls to the first one (a long page would leave it
// thousands of pixels below the note).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const note = document.querySelector("p.errornote");
  if (!note) return;
  const rows = [...document.querySelectorAll("ul.errorlist")]
    .map((list) => ({ list, row: list.closest(".form-row, .fieldBox, tr, fieldset, .inline-related") }))
    .filter(({ list }) => !note.contains(list));
  if (!rows.length) return;
  const links = document.createElement("ul");
  links.className = "ct-error-links";
  rows.forEach(({ list, row }, index) => {
    const target = row || list;
    if (!target.id) target.id = `ct-error-${index + 1}`;
    const label = target.querySelector("label");
    const name = label ? label.textContent.replace(/:$/, "").trim() : "";
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = `#${target.id}`;
    link.textContent = `${name ? `${name}: ` : ""}${list.textContent.trim()}`;
    link.dir = "auto";
    item.appendChild(link);
    links.appendChild(item);
  });
  note.after(links);
  const first = rows[0].row || rows[0].list;
  first.scrollIntoView({ block: "center" });
  const field = first.querySelector("input:not([type=hidden]), textarea, select");
  if (field) field.focus({ preventScroll: true });
});
