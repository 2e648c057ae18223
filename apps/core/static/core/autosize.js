// Text areas sized to their content: CSS `field-sizing: content` where the browser has it, else
// the height follows what is typed. A note or a quote is read whole, not through a two-line slot.
const fits = CSS.supports("field-sizing", "content");

function grow(area) {
  area.style.height = "auto";
  area.style.height = `${area.scrollHeight + 2}px`;
}

if (!fits) {
  document.addEventListener("DOMContentLoaded", () => {
    for (const area of document.querySelectorAll("textarea")) grow(area);
  });
  document.addEventListener("input", (event) => {
    if (event.target instanceof HTMLTextAreaElement) grow(event.target);
  });
}
