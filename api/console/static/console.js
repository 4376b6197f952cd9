// Progressive: every page works without this file. Filters apply as soon as a choice changes.
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-autosubmit]");
  if (form && event.target.matches("select, input[type=checkbox]")) {
    form.requestSubmit();
  }
});

// A form being sent is not sent again by a second click (the server refuses a repeat anyway: once.py).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.method !== "post") return;
  if (form.dataset.sending) {
    event.preventDefault();
    return;
  }
  form.dataset.sending = "yes";
  // Back from the next page (the browser's cache) shows the form ready again.
  window.addEventListener("pageshow", () => delete form.dataset.sending, { once: true });
});

// Notices: the body's preview as the apps will get it, from the server's one sanitiser (never rendered here).
let previewTimer;
document.addEventListener("input", (event) => {
  const source = event.target.closest("textarea[data-preview]");
  if (!source) return;
  clearTimeout(previewTimer);
  previewTimer = setTimeout(async () => {
    const form = new FormData();
    form.append("csrf_token", source.form.elements.csrf_token.value);
    form.append("body", source.value);
    const answer = await fetch(source.dataset.previewUrl, { method: "POST", body: form, credentials: "same-origin" });
    if (answer.ok) document.querySelector(source.dataset.preview).innerHTML = await answer.text();
  }, 300);
});

// Consultation: the citizen's push shows the answer as it is typed (plain text).
document.addEventListener("input", (event) => {
  const source = event.target.closest("textarea[data-push-preview]");
  const target = source && document.querySelector(source.dataset.pushPreview);
  if (target) target.textContent = source.value || "…";
});

// Long checkbox lists (the communes of a province): a search box that hides what does not match,
// with or without diacritics ("hai chau" finds "Hải Châu").
const folded = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/gi, "d").toLowerCase();
document.querySelectorAll("[data-filter-box]").forEach((box) => { box.hidden = false; });
document.addEventListener("input", (event) => {
  const search = event.target.closest("input[data-filter]");
  if (!search) return;
  const wanted = folded(search.value.trim());
  document.querySelectorAll(`${search.dataset.filter} > li`).forEach((item) => {
    item.hidden = wanted !== "" && !folded(item.textContent).includes(wanted);
  });
});
