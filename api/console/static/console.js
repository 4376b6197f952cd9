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
  if (form.method !== "post" || event.defaultPrevented) return; // e.g. a confirmation said no
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

// The commune picker (templates/console/places.html): its search box hides the communes that do not match,
// with or without diacritics ("hai chau" finds "Hải Châu"); what is picked stays in sight.
// As services/core/text.normalize: "da nang" finds "Đà Nẵng".
const bare = (text) =>
  text.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "").replace(/đ/g, "d").replace(/\s+/g, " ").trim();
document.querySelectorAll("[data-filter-box]").forEach((box) => { box.hidden = false; });
document.addEventListener("input", (event) => {
  const search = event.target.closest("input[data-filter]");
  if (!search) return;
  const wanted = bare(search.value);
  document.querySelectorAll(`${search.dataset.filter} > li`).forEach((item) => {
    const picked = item.querySelector("input").checked;
    item.hidden = wanted !== "" && !picked && !item.dataset.search.includes(wanted);
  });
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && event.target.matches("input[data-filter]")) event.preventDefault(); // it searches
});

// ---------------------------------------------------------------- alerts (the form works without these)

// Actions that reach phones ask first; the page's own confirmation step is skipped once agreed here.
// (Capturing: it answers before the handler above marks the form as being sent.)
document.addEventListener("submit", (event) => {
  const form = event.target;
  const asking = event.submitter?.dataset.confirm || form.dataset.confirm;
  if (!asking || form.querySelector("input[name=confirmed]")) return;
  if (!window.confirm(asking)) {
    event.preventDefault();
    return;
  }
  const confirmed = document.createElement("input");
  Object.assign(confirmed, { type: "hidden", name: "confirmed", value: "yes" });
  form.append(confirmed);
}, true);

const later = (fn, ms) => {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
};

const alertForm = document.getElementById("alert-form");
if (alertForm) {
  // Indicator rows: added and removed here, each checked by the API's normalisation as it is typed.
  const rows = document.getElementById("indicator-rows");
  const template = document.getElementById("indicator-template");
  let added = rows.children.length;
  const showRemove = () => rows.querySelectorAll("button.remove").forEach((b) => (b.hidden = false));
  const addButton = document.getElementById("add-indicator");
  if (!alertForm.querySelector("fieldset[disabled]")) {
    addButton.hidden = false;
    showRemove();
  }
  addButton.addEventListener("click", () => {
    rows.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll("__i__", `n${added++}`));
    showRemove();
    rows.lastElementChild.querySelector("select").focus();
  });
  rows.addEventListener("click", (event) => {
    if (event.target.matches("button.remove")) {
      event.target.closest("li").remove();
      addButton.focus();
    }
  });
  const check = async (row) => {
    const value = row.querySelector("input[name=indicator_value]");
    const said = row.querySelector(".check");
    if (!value.value.trim()) {
      said.textContent = "";
      value.removeAttribute("aria-invalid");
      return;
    }
    const query = new URLSearchParams({ type: row.querySelector("select").value, value: value.value });
    const response = await fetch(`${alertForm.dataset.check}?${query}`);
    if (!response.ok || !response.headers.get("Content-Type")?.includes("json")) return; // signed out: the save says it
    const answer = await response.json();
    said.textContent = answer.error ? `⚠ ${answer.error}` : `✓ ${answer.normalized}`;
    said.classList.toggle("error", Boolean(answer.error));
    value.setAttribute("aria-invalid", answer.error ? "true" : "false");
  };
  const checkLater = later(check, 300);
  rows.addEventListener("input", (event) => checkLater(event.target.closest("li")));
  rows.addEventListener("change", (event) => check(event.target.closest("li")));

  // The previews follow what is typed (the Preview button does the same without JavaScript).
  const refresh = later(async () => {
    const response = await fetch(alertForm.dataset.preview, { method: "POST", body: new FormData(alertForm) });
    if (response.ok) document.getElementById("alert-previews").outerHTML = await response.text();
  }, 500);
  alertForm.addEventListener("input", refresh);
  alertForm.addEventListener("change", refresh);
}

// ---------------------------------------------------------------- a feedback's actions (feedback_actions.py)

// Each form shows the citizen's push; it follows what the officer types.
document.querySelectorAll("form[data-push-url]").forEach((form) => {
  const card = form.querySelector("[data-push]");
  const refresh = later(async () => {
    const fields = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (typeof value === "string" && name !== "csrf_token") fields.append(name, value);
    }
    const response = await fetch(`${form.dataset.pushUrl}?${fields}`);
    if (response.ok) card.innerHTML = await response.text();
  }, 250);
  form.addEventListener("input", (event) => {
    if (event.target.type !== "file" && event.target.type !== "search") refresh();
  });
});

// A long select (the departments to transfer to) becomes a list with a search box above it.
document.querySelectorAll("select[data-searchable]").forEach((select) => {
  const search = document.createElement("input");
  Object.assign(search, { type: "search", id: `${select.id}-search`, placeholder: select.dataset.searchable });
  search.setAttribute("aria-label", select.dataset.searchable);
  search.setAttribute("aria-controls", select.id);
  select.size = Math.min(8, select.options.length);
  select.before(search);
  search.addEventListener("input", () => {
    const wanted = bare(search.value.trim());
    for (const option of select.options) {
      option.hidden = option.value !== "" && !bare(option.text).includes(wanted);
    }
  });
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault(); // Enter searches, it does not submit
  });
});
// ---------------------------------------------------------------- the form editor (admin; works without these)

// Its buttons (add, move or remove a question or an option), a change of type or of province send the
// request they send without JavaScript; the parts of the page the server renders again (the questions,
// the communes, the phone preview: one renderer) replace those shown, and the keyboard focus goes where
// the server says (autofocus: the moved question's button) or stays where it was. Typing refreshes the
// preview only; a question is also moved by dragging its handle.
const formEditor = document.getElementById("form-editor");
if (formEditor) {
  const PARTS = {
    fields: ["form-fields", "form-preview"],
    places: ["form-places", "form-preview"],
    preview: ["form-preview"],
  };
  let dragged;
  const handles = () => {
    formEditor.querySelectorAll(".handle, [data-filter-box]").forEach((shown) => { shown.hidden = false; });
    formEditor.querySelectorAll(".handle").forEach((handle) => { handle.draggable = true; });
  };
  // One request at a time, each built from the page as the previous answer left it; the preview says
  // it is busy (aria-busy) until the last one is shown.
  let queue = Promise.resolve();
  let pending = 0;
  const busy = (yes) => document.getElementById("form-preview")?.setAttribute("aria-busy", String(yes));
  const redraw = (op, parts) => {
    pending += 1;
    busy(true);
    queue = queue.then(() => send(op, parts)).catch(() => {}).finally(() => {
      pending -= 1;
      busy(pending > 0);
    });
  };
  const typed = later(() => redraw("preview", PARTS.preview), 400);
  const send = async (op, parts) => {
    const data = new FormData(formEditor);
    data.set("op", op);
    const response = await fetch(formEditor.action, { method: "POST", body: data });
    if (!response.ok) return; // signed out or refused: the save says so
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    const wanted = fresh.querySelector("[autofocus]")?.id || document.activeElement?.id;
    for (const id of parts) {
      const part = fresh.getElementById(id);
      if (part) document.getElementById(id).replaceWith(part);
    }
    formEditor.querySelectorAll("[autofocus]").forEach((element) => element.removeAttribute("autofocus"));
    if (wanted && parts !== PARTS.preview) document.getElementById(wanted)?.focus();
    handles();
  };
  handles();
  formEditor.addEventListener("click", (event) => {
    const button = event.target.closest("button[name=op]");
    if (!button || button.value === "save") return;
    event.preventDefault();
    redraw(button.value, button.value === "province" ? PARTS.places : PARTS.fields);
  });
  formEditor.addEventListener("change", (event) => {
    if (event.target.id === "province") redraw("province", PARTS.places);
    else if (event.target.matches("#form-fields select, #form-fields input[type=checkbox]")) redraw("preview", PARTS.fields);
  });
  formEditor.addEventListener("input", (event) => {
    if (!event.target.matches("input:not([type=checkbox]):not([type=search]), textarea")) return;
    busy(true);
    typed();
  });
  formEditor.addEventListener("dragstart", (event) => {
    dragged = event.target.closest(".form-field");
    if (!dragged) return;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", ""); // some browsers start no drag without data
    event.dataTransfer.setDragImage(dragged, 0, 0);
    dragged.classList.add("dragging");
  });
  formEditor.addEventListener("dragover", (event) => {
    const over = event.target.closest(".form-field");
    if (!dragged || !over) return;
    event.preventDefault();
    if (over === dragged) return;
    const box = over.getBoundingClientRect();
    over.parentElement.insertBefore(dragged, event.clientY < box.top + box.height / 2 ? over : over.nextSibling);
  });
  formEditor.addEventListener("drop", (event) => event.preventDefault());
  formEditor.addEventListener("dragend", () => {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    dragged = undefined;
    redraw("preview", PARTS.fields); // the questions in their new order, numbered again
  });
}

// Zalo templates (admin_zalo_templates.html): the parameters' fields follow the chosen message at once, so
// the "Choose" button that re-renders them without JavaScript is not needed.
document.querySelectorAll("[data-choose]").forEach((button) => { button.hidden = true; });
document.addEventListener("change", (event) => {
  const message = event.target.closest("select[data-fields-of]");
  if (!message) return;
  const fields = JSON.parse(message.dataset.fieldsOf)[message.value] || [];
  const names = JSON.parse(message.dataset.fieldNames);
  message.form.querySelectorAll("select[data-field-choices]").forEach((select) => {
    const kept = select.value;
    select.replaceChildren(...fields.map((field) => new Option(names[field] || field, field)));
    if (fields.includes(kept)) select.value = kept;
  });
});
