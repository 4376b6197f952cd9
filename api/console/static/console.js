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
