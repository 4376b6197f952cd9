// Progressive: every page works without this file. Filters apply as soon as a choice changes.
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-autosubmit]");
  if (form && event.target.matches("select, input[type=checkbox]")) {
    form.requestSubmit();
  }
});

// The feedback page's action forms: the citizen's push follows what the officer types.
let previewTimer;
document.addEventListener("input", (event) => {
  const form = event.target.closest("form[data-preview]");
  const card = form && form.querySelector("[data-push]");
  if (!card || event.target.type === "file" || event.target.type === "search") {
    return;
  }
  clearTimeout(previewTimer);
  previewTimer = setTimeout(async () => {
    const fields = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (typeof value === "string" && name !== "csrf_token") {
        fields.append(name, value);
      }
    }
    const response = await fetch(`${form.dataset.preview}?${fields}`);
    if (response.ok) {
      card.innerHTML = await response.text();
    }
  }, 250);
});

// A long select (the departments to transfer to) becomes a list with a search box above it.
const folded = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/gi, "d").toLowerCase();
for (const select of document.querySelectorAll("select[data-filter]")) {
  const search = document.createElement("input");
  search.type = "search";
  search.id = `${select.id}-search`;
  search.setAttribute("aria-label", select.dataset.filter);
  search.placeholder = select.dataset.filter;
  search.setAttribute("aria-controls", select.id);
  select.size = Math.min(8, select.options.length);
  select.before(search);
  search.addEventListener("input", () => {
    const words = folded(search.value.trim());
    for (const option of select.options) {
      option.hidden = option.value !== "" && !folded(option.text).includes(words);
    }
  });
}
