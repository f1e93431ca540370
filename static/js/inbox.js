// The triage inbox's keyboard and list behaviour. app.js (loaded first) owns ?, g+letter, / and
// Esc for the shell; this file adds the inbox keys and, on the inbox page, answers "?" itself
// (capture phase, before app.js) with the inbox's own shortcuts dialog. Listeners are delegated
// from document because htmx replaces the rows and the panel.
(() => {
  "use strict";

  const GO_TIMEOUT_MS = 1200; // app.js's "g" window: the key after "g" is navigation, not ours
  const TOAST_MS = 8000; // long enough to read the note and press u
  const TOAST_ERROR_MS = 15000;
  let afterG = false;
  let afterGTimer = 0;
  let cursorId = null; // the id of the row under the cursor
  let lastToggled = null; // the row x last toggled, for shift+x ranges
  let actionsSent = 0; // optimistic actions sent so far, numbered in the order of their keys
  let answering = 0; // the number of the action whose answer is being swapped in, else 0
  // This page's undoable actions, in the order of their keys: each one's undo form (from its
  // note) and its number. `u` undoes the last and takes it off, so `u` again undoes the one
  // before; an undo's own note offers no undo, so nothing ever undoes an undo.
  const undoStack = [];

  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];
  const panel = () => document.getElementById("panel");
  const results = () => document.getElementById("inbox-results");
  const allRows = () => $$("#inbox-rows tr.inbox-row");
  const visibleRows = () => allRows().filter((row) => !row.classList.contains("gone"));
  const currentRow = () => (cursorId ? document.getElementById(cursorId) : null);
  const checked = () => $$("#inbox-rows input[name=items]:checked");

  function isTyping(target) {
    if (!(target instanceof Element)) return false;
    return target.isContentEditable || target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  // While an item is on its way the panel shows a moving bar (app.css) and tells screen
  // readers it is busy, so they wait for the item instead of reading the last one.
  function panelLoading(loading) {
    panel().classList.toggle("loading", loading);
    panel().setAttribute("aria-busy", String(loading));
  }

  function openPanel(row) {
    if (!row || !window.htmx) return;
    panelLoading(true);
    window.htmx.ajax("GET", row.dataset.panel, { target: "#panel", swap: "innerHTML" });
  }

  const ACTION_LABELS = { triage: "Marking triaged", archive: "Archiving", spam: "Marking spam" };
  const ACTION_STATUS = { triage: "triaged", archive: "archived", spam: "spam" };

  function csrfToken() {
    const field = $("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function note(text, error = false) {
    const toast = document.getElementById("inbox-toast");
    if (!toast) return;
    const body = document.createElement("div");
    body.className = error ? "toast-body error" : "toast-body";
    body.textContent = text;
    toast.replaceChildren(body);
    expireToast();
  }

  // A status key acts at once on the row under the cursor, not on whatever the panel shows:
  // the row leaves and the cursor moves on as the key is pressed, and the server's answer
  // reconciles. Its row, tabs and undo note come back out-of-band; a 409 or a refusal puts the
  // row back with the panel saying what changed. One request per key: the action names the
  // item the cursor moved on to (next), and its answer carries that item's panel, shown if the
  // cursor is still there when it comes (else the cursor's own panel is already on its way).
  function actOptimistically(action) {
    const row = currentRow();
    if (!row || row.classList.contains("gone") || !row.dataset.version) return false;
    const item = row.dataset.item;
    const body = new URLSearchParams({
      version: row.dataset.version,
      status: ACTION_STATUS[action],
      csrfmiddlewaretoken: csrfToken(),
      answer: "row", // not the acted-on item's panel: its row, tabs and note (and next's panel)
    });
    const before = row.dataset.status;
    if (before === ACTION_STATUS[action]) return false;
    const sequence = ++actionsSent;
    row.dataset.status = ACTION_STATUS[action];
    row.classList.add("pending");
    note(`${ACTION_LABELS[action]}: #${item}…`);
    sweep({ open: false });
    const moved = currentRow();
    const awaited = moved && moved !== row ? moved.dataset.item : null;
    if (awaited) {
      body.set("next", awaited);
      panelLoading(true);
    }
    fetch(`${row.dataset.panel}update/`, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "HX-Request": "true", "HX-Current-URL": window.location.href, "X-CSRFToken": csrfToken() },
    }).then(async (response) => {
      const html = await response.text();
      if (response.ok) {
        const cursor = currentRow();
        const stillThere = Boolean(awaited && cursor && cursor.dataset.item === awaited);
        const carried = stillThere && html.includes(`data-item="${awaited}"`);
        answering = sequence; // htmx swaps out-of-band synchronously: see the oob guard below
        try {
          if (carried) { // settles as htmx's own panel swaps do (afterSettle below)
            window.htmx.swap(panel(), html, { swapStyle: "innerHTML" }, { eventInfo: { target: panel() } });
          } else {
            window.htmx.swap(panel(), html, { swapStyle: "none" });
          }
        } finally {
          answering = 0;
        }
        if (stillThere && !carried) openPanel(cursor); // no panel came (that item is gone)
        sweep();
        expireToast();
        return;
      }
      if (response.status === 409 || response.status === 400) {
        window.htmx.swap(panel(), html, { swapStyle: "innerHTML" }, { eventInfo: { target: panel() } });
        const back = document.getElementById(`item-${item}`);
        if (back) {
          back.classList.add("kept");
          back.classList.remove("pending");
          sweep();
          setCursor(back, false);
        }
        note(response.status === 409 ? `#${item} was changed by someone else: not applied.`
          : `#${item}: not applied.`, true);
        return;
      }
      throw new Error(String(response.status));
    }).catch(() => {
      const back = document.getElementById(`item-${item}`);
      if (back) {
        back.dataset.status = before;
        back.classList.remove("pending");
        sweep();
        setCursor(back);
      }
      note(`#${item} could not be saved (the server did not answer). Nothing changed.`, true);
    });
    return true;
  }

  // Keeps the undo form a note brings (`root`: the note, or an answer's out-of-band part before
  // it is swapped in, which may never be: see the oob guard below). An optimistic action's is
  // numbered by its key, any other action's as its answer comes.
  function keepUndo(root) {
    const button = root ? $("[data-undo]", root) : null;
    const form = button ? button.closest("form") : null;
    if (!form || form.dataset.undoSeq) return;
    const seq = answering || ++actionsSent;
    form.dataset.undoSeq = String(seq);
    let at = undoStack.length;
    while (at > 0 && undoStack[at - 1].seq > seq) at -= 1;
    undoStack.splice(at, 0, { seq, form: form.cloneNode(true) });
  }

  function forgetUndo(seq) {
    const at = undoStack.findIndex((entry) => String(entry.seq) === String(seq));
    if (at >= 0) undoStack.splice(at, 1);
  }

  // An undo moves its item's version on: the undo of that item's action just before (whose
  // version is one less: no write came between) takes the version the undo left, from the
  // item's row, so u, u on one item's actions is not refused as someone else's change.
  function carryVersion(undone) {
    const field = undone.elements.namedItem("version");
    const action = undone.getAttribute("hx-post");
    if (!field || !action) return;
    const entry = [...undoStack].reverse().find((e) => e.form.getAttribute("hx-post") === action);
    const earlier = entry ? entry.form.elements.namedItem("version") : null;
    if (!earlier || Number(earlier.value) !== Number(field.value) - 1) return;
    const row = allRows().find((r) => `${r.dataset.panel}update/` === action);
    if (row && row.dataset.version) earlier.value = row.dataset.version;
  }

  // `u`: the last undoable action is undone through its own form, the one its note shows if
  // it is still there, else a copy put into the note. Its answer brings the restored item's
  // panel (or the bulk note), and the cursor follows the panel (followPanel).
  function undoLast() {
    const entry = undoStack.pop();
    if (!entry) {
      note("Nothing to undo");
      return true;
    }
    let form = $(`#inbox-toast form[data-undo-seq="${entry.seq}"]`);
    if (!form) {
      const toast = document.getElementById("inbox-toast");
      if (!toast || !window.htmx) return true;
      const body = document.createElement("div");
      body.className = "toast-body";
      body.textContent = "Undoing…";
      form = entry.form;
      form.hidden = true;
      body.append(form);
      toast.replaceChildren(body);
      window.htmx.process(form);
    }
    $("[data-undo]", form).click();
    return true;
  }

  function setCursor(row, open = true) {
    if (!row) return;
    for (const other of $$("#inbox-rows tr.inbox-row.current")) other.classList.remove("current");
    row.classList.add("current");
    cursorId = row.id;
    row.scrollIntoView({ block: "nearest" });
    if (open) openPanel(row);
  }

  function move(delta) {
    const rows = visibleRows();
    if (!rows.length) return;
    const index = rows.indexOf(currentRow());
    let next;
    if (index < 0) next = delta > 0 ? 0 : rows.length - 1;
    else next = Math.min(rows.length - 1, Math.max(0, index + delta));
    if (index === rows.length - 1 && delta > 0) {
      const more = $("#load-more button");
      if (more) more.click();
      return;
    }
    setCursor(rows[next]);
  }

  // Rows whose status no longer matches the tab leave the list. If the cursor was on one, it
  // moves on to the next item and opens it: the "next untriaged" flow.
  function sweep({ open = true } = {}) {
    const box = results();
    const tab = box ? box.dataset.status : "all";
    const cursorRowBefore = currentRow();
    const rows = allRows();
    let cursorLeft = false;
    for (const row of rows) {
      // A row whose action the server refused (409) stays in view with what changed.
      const leaves = tab !== "all" && row.dataset.status !== tab && !row.classList.contains("kept");
      row.classList.toggle("gone", leaves);
      if (leaves) {
        const box = $("input[name=items]", row);
        if (box) box.checked = false;
        if (row === cursorRowBefore) cursorLeft = true;
      }
    }
    if (cursorRowBefore && cursorRowBefore.classList.contains("current") === false) {
      cursorRowBefore.classList.add("current");
    }
    if (cursorLeft) {
      const index = rows.indexOf(cursorRowBefore);
      const next = rows.slice(index + 1).find((r) => !r.classList.contains("gone")) ||
        rows.slice(0, index).reverse().find((r) => !r.classList.contains("gone"));
      if (next) setCursor(next, open);
      else cursorId = null;
    }
    updateSelection();
  }

  function updateSelection() {
    const count = checked().length;
    const bar = document.getElementById("bulk-form");
    if (!bar) return;
    bar.classList.toggle("active", count > 0);
    const label = $("[data-selected-count]", bar);
    if (label) label.textContent = `${count} selected`;
  }

  function toggleSelect(range) {
    const row = currentRow();
    if (!row) return;
    const box = $("input[name=items]", row);
    if (!box) return;
    if (range && lastToggled && document.getElementById(lastToggled)) {
      const rows = visibleRows();
      const a = rows.indexOf(document.getElementById(lastToggled));
      const b = rows.indexOf(row);
      const [from, to] = a < b ? [a, b] : [b, a];
      for (const r of rows.slice(from, to + 1)) {
        const other = $("input[name=items]", r);
        if (other) other.checked = true;
      }
    } else {
      box.checked = !box.checked;
    }
    lastToggled = row.id;
    updateSelection();
  }

  function focusField(field) {
    if (!field) return false;
    field.focus();
    if (field instanceof HTMLSelectElement && typeof field.showPicker === "function") {
      try { field.showPicker(); } catch { /* needs a user gesture; focus is enough */ }
    }
    return true;
  }

  function click(selector, root = document) {
    const target = $(selector, root);
    if (target) target.click();
    return Boolean(target);
  }

  const STATUS_KEYS = { e: "archive", s: "spam", r: "triage" };
  const FIELD_KEYS = { t: "tag", a: "assignee", p: "priority", l: "idea", d: "duplicate" };
  const BULK_FIELDS = { t: "tag", a: "assign", p: "priority", l: "link" };

  function handleKey(event) {
    const key = event.key;
    const selection = checked().length > 0;
    if (key === "j" || key === "ArrowDown") return move(1), true;
    if (key === "k" || key === "ArrowUp") return move(-1), true;
    if (key === "x" || key === "X") return toggleSelect(event.shiftKey), true;
    if (key === "Enter" && currentRow()) return openPanel(currentRow()), true;
    if (key === "u") return undoLast();
    if (key === "c") return click("#new-feedback");
    if (STATUS_KEYS[key]) {
      if (selection) return click(`#bulk-form button[name=action][value=${STATUS_KEYS[key]}]`);
      return actOptimistically(STATUS_KEYS[key]) || click(`#panel [data-action=${STATUS_KEYS[key]}]`);
    }
    if (FIELD_KEYS[key]) {
      if (selection && BULK_FIELDS[key]) return focusField($(`#bulk-form [data-bulk=${BULK_FIELDS[key]}]`));
      return focusField($(`#panel [data-field=${FIELD_KEYS[key]}]`));
    }
    return false;
  }

  // "?" on the inbox: our dialog, and app.js never sees the key.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "?" || isTyping(event.target) || document.querySelector("dialog[open]")) return;
    const dialog = document.getElementById("inbox-shortcuts");
    if (!dialog) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    dialog.showModal();
  }, true);

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;

    if (event.key === "Enter" && target instanceof HTMLInputElement) {
      if (target.dataset.pickFirst !== undefined) {
        event.preventDefault();
        const scope = target.value.trim() ? $(target.dataset.pickFirst) : target.closest("form");
        const pick = scope && $("[data-pick]", scope);
        if (pick) pick.click();
        return;
      }
      if (target.dataset.createOnEnter !== undefined) {
        event.preventDefault();
        click("[data-create]", target.closest("form"));
        return;
      }
      if (target.dataset.bulk) {
        event.preventDefault();
        click(`#bulk-form button[name=action][value=${target.dataset.bulk}]`);
        return;
      }
    }
    if (event.key === "Escape" && isTyping(target) && target.closest("#panel, #bulk-form")) {
      target.blur();
      return;
    }
    if (event.defaultPrevented || isTyping(target) || document.querySelector("dialog[open]")) return;
    if (event.key === "Escape" && inboxLayout() && inboxLayout().classList.contains("panel-open")) {
      showPanel(false);
      return;
    }

    if (afterG) {
      afterG = false;
      clearTimeout(afterGTimer);
      return;
    }
    if (event.key === "g") {
      afterG = true;
      afterGTimer = setTimeout(() => { afterG = false; }, GO_TIMEOUT_MS);
      return;
    }
    if (handleKey(event)) event.preventDefault();
  });

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (!(target instanceof Element)) return;
    if (target.closest("#filter-menu")) renderChips();
    if (target.matches("#inbox-rows input[name=items]")) {
      lastToggled = target.closest("tr").id;
      updateSelection();
    } else if (target instanceof HTMLSelectElement && target.dataset.bulk && target.value !== "") {
      click(`#bulk-form button[name=action][value=${target.dataset.bulk}]`);
    }
  });

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const chip = target.closest("#filter-chips [data-clear-filter]");
    if (chip) {
      clearFilter(chip);
      return;
    }
    if (target.closest("[data-close-panel]")) {
      showPanel(false);
      const row = currentRow();
      if (row) $("a.headline", row).focus();
      return;
    }
    if (target.closest("[data-clear-selection]")) {
      for (const box of checked()) box.checked = false;
      updateSelection();
      return;
    }
    const row = target.closest("#inbox-rows tr.inbox-row");
    if (!row || target.closest("input")) return;
    if (target.closest("a.headline")) {
      setCursor(row, false); // htmx loads the panel
    } else if (!target.closest("a, button")) {
      setCursor(row);
    }
  });

  // A conflict (409) or a refused change (400) still replaces the panel (app.js swaps every
  // refused answer): it explains itself.

  // Answers to quick keys may arrive out of order; what they bring out-of-band must not undo
  // what a later answer already showed.
  // - Tabs replace the shown ones only when counted for the same filters at the same or a later
  //   state of the counters (data-stamp: selectors.triage.status_counts). The answer to the
  //   last action is counted after every earlier one committed, so the tabs end equal to the
  //   database whatever order the answers come in.
  // - The undo note is the last action's: an earlier action's answer keeps its note to itself
  //   (its undo still goes onto the stack, under the later ones), so u undoes the last key
  //   pressed first.
  // Rows need no guard: each answer brings only its own item's row.
  document.addEventListener("htmx:oobBeforeSwap", (event) => {
    const shown = event.detail.target;
    if (!shown) return;
    if (shown.id === "inbox-toast") keepUndo(event.detail.fragment);
    if (shown.id === "inbox-toast" && answering && answering < actionsSent) {
      event.detail.shouldSwap = false;
    }
    if (shown.id !== "status-tabs") return;
    const incoming = event.detail.fragment.querySelector("#status-tabs");
    if (!incoming) return;
    const older = Number(incoming.dataset.stamp) < Number(shown.dataset.stamp);
    const elsewhere = incoming.dataset.filters !== shown.dataset.filters;
    if (older || elsewhere) event.detail.shouldSwap = false;
  });

  // The bulk bar's note comes as its answer's own swap, not out-of-band. An undo's answer is
  // heard here too: the form that sent it has left the page with its note, so htmx's later
  // events for it reach no listener here.
  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (target && target.id === "inbox-toast") keepUndo(target);
    const source = event.detail.requestConfig ? event.detail.requestConfig.elt : null;
    const ok = event.detail.xhr && event.detail.xhr.status === 200;
    if (ok && source instanceof HTMLFormElement && source.dataset.undoSeq) carryVersion(source);
  });

  document.addEventListener("htmx:beforeRequest", (event) => {
    const target = event.detail.target;
    if (target && target.id === "panel") panelLoading(true);
    // An undo clicked in its note rather than pressed is done too: `u` goes on from the one before.
    const source = event.detail.elt;
    if (source instanceof HTMLFormElement && source.dataset.undoSeq) forgetUndo(source.dataset.undoSeq);
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    const target = event.detail.target;
    if (target && target.id === "panel" && !event.detail.successful) panelLoading(false);
    const source = event.detail.elt;
    if (source && source.id === "bulk-form" && event.detail.successful) {
      for (const box of checked()) box.checked = false;
      updateSelection();
    }
  });

  // After an action (an undo, a merge undone) the panel may show an item other than the one
  // under the cursor; the cursor follows the panel so the next key acts on what the PM sees.
  // Only after a POST: a GET that answers late must not drag the cursor back.
  function followPanel() {
    const body = $("#panel .panel-body[data-item]");
    if (!body) return;
    const row = document.getElementById(`item-${body.dataset.item}`);
    if (row && !row.classList.contains("gone") && row !== currentRow()) setCursor(row, false);
  }

  // Each item opens at its top: the panel keeps its scroll between swaps, which would leave the
  // next item showing its lower half (where the last picker was).
  let panelItem = null;
  function toTopForNewItem() {
    const body = $("#panel .panel-body[data-item]");
    const shown = body ? body.dataset.item : null;
    if (shown !== panelItem) panel().scrollTop = 0;
    panelItem = shown;
  }

  // Toasts leave by themselves, but not while the PM points at or tabs into one.
  let toastShown = null;
  let toastTimer = 0;
  function expireToast() {
    const body = $("#inbox-toast .toast-body");
    if (!body || body === toastShown) return;
    toastShown = body;
    clearTimeout(toastTimer);
    const wait = body.classList.contains("error") ? TOAST_ERROR_MS : TOAST_MS;
    const leave = () => {
      if (!body.isConnected) return;
      if (body.closest("#inbox-toast").matches(":hover, :focus-within")) {
        toastTimer = setTimeout(leave, TOAST_MS / 4);
        return;
      }
      body.closest("#inbox-toast").replaceChildren();
    };
    toastTimer = setTimeout(leave, wait);
  }

  document.addEventListener("htmx:afterSettle", (event) => {
    const target = event.detail.target;
    if (target && target.id === "inbox-results") {
      const form = document.getElementById("inbox-filters");
      const box = results();
      if (form && box && form.elements.status) form.elements.status.value = box.dataset.status;
      cursorId = null;
    }
    // A picker's results show where the eye is: under its field, scrolled into the panel's
    // view (on a phone the field sits near the bottom edge, the results below it).
    if (target && target.classList.contains("picker-results") && target.firstElementChild) {
      target.scrollIntoView({ block: "nearest" });
    }
    if (target && target.id === "panel") {
      panelLoading(false);
      toTopForNewItem();
      showPanel(Boolean($("#panel .panel-body[data-item]")));
      // Answers to quick j/k/e presses may arrive out of order: the panel follows the cursor.
      const shown = $("#panel .panel-body[data-item]");
      const row = currentRow();
      const config = event.detail.requestConfig;
      const isGet = Boolean(config && config.verb && config.verb.toLowerCase() === "get");
      if (isGet && shown && row && !row.classList.contains("gone") && row.dataset.item !== shown.dataset.item) {
        openPanel(row);
      }
    }
    sweep();
    const config = event.detail.requestConfig;
    if (config && config.verb && config.verb.toLowerCase() !== "get") followPanel();
    expireToast();
  });

  // Filters behind one button: each field that is set shows as a chip beside it; removing a
  // chip clears its field and the form's own change trigger reloads the list.
  const NOT_CHIPS = new Set(["status", "q", "sort", "idea"]);
  function renderChips() {
    const form = document.getElementById("inbox-filters");
    const box = document.getElementById("filter-chips");
    if (!form || !box) return;
    const chips = [];
    for (const field of $$("#filter-menu select, #filter-menu input", form)) {
      if (!field.name || NOT_CHIPS.has(field.name) || !field.value) continue;
      const label = field.closest("label").firstChild.textContent.trim();
      const value = field instanceof HTMLSelectElement
        ? field.selectedOptions[0].textContent.trim() : field.value;
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "filter-chip";
      chip.dataset.clearFilter = field.name;
      chip.setAttribute("aria-label", `Remove filter ${label}: ${value}`);
      const cross = document.createElement("span");
      cross.className = "x";
      cross.setAttribute("aria-hidden", "true");
      cross.textContent = "×";
      chip.append(`${label}: ${value}`, cross);
      chips.push(chip);
    }
    box.replaceChildren(...chips);
    const count = $("[data-filter-count]", form);
    if (count) {
      count.textContent = String(chips.length);
      count.hidden = chips.length === 0;
    }
  }

  function clearFilter(chip) {
    const form = document.getElementById("inbox-filters");
    const field = form && form.elements.namedItem(chip.dataset.clearFilter);
    if (!field) return;
    const chips = $$("#filter-chips .filter-chip");
    const next = chips[chips.indexOf(chip) + 1] || chips[chips.indexOf(chip) - 1];
    const nextName = next ? next.dataset.clearFilter : null;
    field.value = "";
    field.dispatchEvent(new Event("change", { bubbles: true }));
    renderChips();
    // Keyboard users keep their place: on the next chip, else the Filters button.
    const focusTo = nextName ? $(`#filter-chips [data-clear-filter="${nextName}"]`) : $("#filter-menu > summary");
    if (focusTo) focusTo.focus();
  }

  // Narrower than the split view, the panel is a slide-over: open while it shows an item.
  function inboxLayout() {
    return document.querySelector(".inbox");
  }
  function showPanel(open) {
    const layout = inboxLayout();
    if (layout) layout.classList.toggle("panel-open", open);
  }

  document.addEventListener("DOMContentLoaded", () => {
    renderChips();
    const box = results();
    if (box && box.dataset.start !== undefined) {
      const shown = $("#panel .panel-body[data-item]");
      const first = visibleRows()[0];
      setCursor(first, !(shown && first && shown.dataset.item === first.dataset.item));
      if (shown) {
        panelItem = shown.dataset.item;
        showPanel(true);
      }
    }
    updateSelection();
  });
})();
