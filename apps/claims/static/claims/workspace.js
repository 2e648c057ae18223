// The document workspace (apps/claims/workspace.py): the body as stored, every recorded quote
// highlighted; a selection opens a panel that saves the quote through the public API.
//
// Offsets are code points of the stored body, as the server counts them. JavaScript strings count
// UTF-16 units, so an emoji (two units) would shift every offset after it: the body is mapped
// both ways once (`toUnit`, `toPoint`) and every offset crosses that map.
"use strict";

(function () {
  const data = JSON.parse(document.getElementById("ct-ws-data").textContent);
  const body = data.body;
  const bodyEl = document.getElementById("ct-ws-body");
  const form = document.getElementById("ct-ws-form");
  const idle = document.getElementById("ct-ws-idle");
  const $ = (id) => document.getElementById(id);
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;

  // code point index -> UTF-16 index, and back (toPoint[unit] for a unit that starts a code point)
  const toUnit = [0];
  const toPoint = new Map([[0, 0]]);
  {
    let unit = 0;
    let point = 0;
    for (const ch of body) {
      unit += ch.length;
      point += 1;
      toUnit.push(unit);
      toPoint.set(unit, point);
    }
  }
  const sliceByPoints = (start, end) => body.slice(toUnit[start], toUnit[end]);

  let attestations = data.attestations;
  let editing = null; // the attestation open in the panel, or null for a new one
  let selection = null; // {start, end} in code points
  let suggested = { claims: [], entities: [], documents: [] };

  // --- drawing the body ---------------------------------------------------------------------------

  function describe(a) {
    const who = a.speaker ? a.speaker.name : "the document itself";
    const origin = a.origin_entity ? ` ← ${a.origin_entity.name}` : "";
    const doc = a.origin_document ? ` (from «${a.origin_document.title}»)` : "";
    return `#${a.claim.id} ${a.claim.statement}\n${a.stance}, ${a.modality} — ${who}${origin}${doc}`;
  }

  function render() {
    const cuts = new Set([0, body.length]);
    for (const a of attestations) {
      cuts.add(toUnit[a.start]);
      cuts.add(toUnit[a.end]);
    }
    if (selection) {
      cuts.add(toUnit[selection.start]);
      cuts.add(toUnit[selection.end]);
    }
    const points = [...cuts].sort((x, y) => x - y);
    const fragment = document.createDocumentFragment();
    for (let i = 0; i < points.length - 1; i++) {
      const from = points[i];
      const to = points[i + 1];
      const text = body.slice(from, to);
      const covering = attestations.filter((a) => toUnit[a.start] <= from && to <= toUnit[a.end]);
      const pending = selection && toUnit[selection.start] <= from && to <= toUnit[selection.end];
      let el;
      if (covering.length || pending) {
        el = document.createElement("mark");
        if (covering.length) {
          el.dataset.ids = covering.map((a) => a.id).join(" ");
          const stances = new Set(covering.map((a) => a.stance));
          el.className = covering.length > 1 ? "ct-many" : `ct-${[...stances][0]}`;
          el.title = covering.map(describe).join("\n\n");
          if (editing && covering.some((a) => a.id === editing.id)) el.classList.add("ct-active");
        } else {
          el.className = "ct-pending";
        }
      } else {
        el = document.createElement("span");
      }
      el.dataset.o = String(from);
      el.textContent = text;
      fragment.appendChild(el);
    }
    bodyEl.replaceChildren(fragment);
    $("ct-ws-count").textContent = `${attestations.length} quote${attestations.length === 1 ? "" : "s"} recorded.`;
  }

  // --- selecting ----------------------------------------------------------------------------------

  function unitOffset(node, offset) {
    // a boundary inside one of our segments (its text node, or the element itself)
    let el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    if (el === bodyEl) {
      const child = bodyEl.childNodes[Math.min(offset, bodyEl.childNodes.length - 1)];
      if (!child) return null;
      return offset >= bodyEl.childNodes.length ? body.length : Number(child.dataset.o);
    }
    while (el && el.parentElement !== bodyEl) el = el.parentElement;
    if (!el || el.dataset.o === undefined) return null;
    return Number(el.dataset.o) + (node.nodeType === Node.TEXT_NODE ? offset : 0);
  }

  function pointAt(unit, forward) {
    // a boundary in the middle of a surrogate pair moves to the whole character
    while (!toPoint.has(unit)) unit += forward ? 1 : -1;
    return toPoint.get(unit);
  }

  function currentSelection() {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || sel.rangeCount === 0) return null;
    const range = sel.getRangeAt(0);
    if (!bodyEl.contains(range.startContainer) || !bodyEl.contains(range.endContainer)) return null;
    let from = unitOffset(range.startContainer, range.startOffset);
    let to = unitOffset(range.endContainer, range.endOffset);
    if (from === null || to === null) return null;
    if (from > to) [from, to] = [to, from];
    // what the mouse takes in by the way: the spaces and line ends at either end
    while (from < to && /\s/.test(body[from])) from++;
    while (to > from && /\s/.test(body[to - 1])) to--;
    if (from >= to) return null;
    return { start: pointAt(from, false), end: pointAt(to, true) };
  }

  bodyEl.addEventListener("mouseup", () => {
    const picked = currentSelection();
    if (picked && data.may_edit) {
      openNew(picked);
      return;
    }
  });

  bodyEl.addEventListener("click", (event) => {
    if (!window.getSelection().isCollapsed) return;
    const mark = event.target.closest("mark[data-ids]");
    if (!mark) return;
    const ids = mark.dataset.ids.split(" ").map(Number);
    // the shortest quote under the click: the one the editor most likely means
    const under = attestations.filter((a) => ids.includes(a.id)).sort((x, y) => x.end - x.start - (y.end - y.start));
    openExisting(under[0]);
  });

  // --- the panel ----------------------------------------------------------------------------------

  function option(select, value, label, why) {
    const el = document.createElement("option");
    el.value = value;
    el.textContent = why ? `${label} — ${why}` : label;
    el.dir = "auto";
    select.appendChild(el);
    return el;
  }

  function fillEntitySelect(select, none, chosen, found) {
    const keep = select.value;
    select.replaceChildren();
    option(select, "", none);
    const seen = new Set([""]);
    const add = (id, label, why) => {
      if (seen.has(String(id))) return;
      seen.add(String(id));
      option(select, id, label, why);
    };
    if (chosen) add(chosen.id, chosen.name || chosen.title);
    for (const s of found) add(s.id, s.label, s.why);
    select.value = chosen ? String(chosen.id) : seen.has(keep) ? keep : "";
  }

  function claimChoice(id, label, why, checked) {
    const li = document.createElement("li");
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "claim";
    input.value = String(id);
    input.id = `ct-ws-claim-${id}`;
    input.checked = checked;
    const text = document.createElement("label");
    text.htmlFor = input.id;
    text.dir = "auto";
    text.textContent = ` #${id} ${label}`;
    li.append(input, text);
    if (why) {
      const small = document.createElement("span");
      small.className = "ct-ws-why";
      small.textContent = ` (${why})`;
      li.appendChild(small);
    }
    return li;
  }

  function showClaims(list, chosen) {
    const ul = $("ct-ws-claims");
    ul.replaceChildren();
    const seen = new Set();
    if (chosen) {
      ul.appendChild(claimChoice(chosen.id, chosen.statement, "", true));
      seen.add(chosen.id);
    }
    list.forEach((c, index) => {
      if (seen.has(c.id)) return;
      seen.add(c.id);
      ul.appendChild(claimChoice(c.id, c.label, c.why, !chosen && index === 0 && c.why === "quoted in this passage"));
    });
  }

  function showSubjects(found) {
    const ul = $("ct-ws-subjects");
    if (!ul) return;
    ul.replaceChildren();
    for (const s of found) {
      const li = document.createElement("li");
      li.innerHTML = "";
      const input = document.createElement("input");
      input.type = "checkbox";
      input.value = String(s.id);
      input.id = `ct-ws-subject-${s.id}`;
      const label = document.createElement("label");
      label.htmlFor = input.id;
      label.textContent = ` ${s.label}`;
      li.append(input, label);
      ul.appendChild(li);
    }
  }

  function setErrors(messages) {
    const box = $("ct-ws-errors");
    box.textContent = messages.join("\n");
    box.hidden = messages.length === 0;
    if (messages.length) box.scrollIntoView({ block: "nearest" });
  }

  function errorsOf(payload) {
    if (!payload || typeof payload !== "object") return ["The server refused it."];
    const lines = [];
    for (const [field, value] of Object.entries(payload)) {
      if (field === "regraded") continue;
      const words = Array.isArray(value) ? value.join(" ") : typeof value === "object" ? JSON.stringify(value) : String(value);
      lines.push(field === "detail" || field === "non_field_errors" ? words : `${field.replace(/_/g, " ")}: ${words}`);
    }
    return lines.length ? lines : ["The server refused it."];
  }

  function showPanel(heading) {
    idle.hidden = true;
    form.hidden = false;
    $("ct-ws-heading").textContent = heading;
    setErrors([]);
    $("ct-ws-quote").textContent = sliceByPoints(selection.start, selection.end);
    $("ct-ws-start").textContent = String(selection.start);
    $("ct-ws-end").textContent = String(selection.end);
    const newBox = $("ct-ws-new");
    if (newBox) newBox.hidden = true;
  }

  async function loadSuggestions() {
    const url = `${data.urls.suggest}?start=${selection.start}&end=${selection.end}`;
    const response = await fetch(url, { credentials: "same-origin" });
    suggested = response.ok ? await response.json() : { claims: [], entities: [], documents: [] };
  }

  async function openNew(picked) {
    editing = null;
    selection = picked;
    render();
    showPanel("New quote");
    $("ct-ws-delete").hidden = true;
    $("ct-ws-admin-link").hidden = true;
    form.querySelector("input[name=stance][value=affirms]").checked = true;
    $("ct-ws-modality").value = "asserted";
    $("ct-ws-note").value = "";
    $("ct-ws-claims").replaceChildren();
    await loadSuggestions();
    if (editing !== null || selection !== picked) return; // another selection since
    showClaims(suggested.claims, null);
    fillEntitySelect($("ct-ws-speaker"), "— the document itself —", null, suggested.entities);
    fillEntitySelect($("ct-ws-origin-entity"), "— none —", null, suggested.entities);
    fillEntitySelect($("ct-ws-origin-document"), "— none —", null, suggested.documents);
    showSubjects(suggested.entities);
    const first = form.querySelector("input[name=claim]:checked") || form.querySelector("input[name=claim]");
    if (first) first.focus();
  }

  async function openExisting(a) {
    editing = a;
    selection = { start: a.start, end: a.end };
    render();
    showPanel(`Quote #${a.id}`);
    $("ct-ws-delete").hidden = !data.may_edit;
    $("ct-ws-save").hidden = !data.may_edit;
    const link = $("ct-ws-admin-link");
    link.hidden = false;
    link.href = `../../../../claims/attestation/${a.id}/change/`;
    form.querySelector(`input[name=stance][value=${a.stance}]`).checked = true;
    $("ct-ws-modality").value = a.modality;
    $("ct-ws-note").value = a.note || "";
    showClaims([], a.claim);
    fillEntitySelect($("ct-ws-speaker"), "— the document itself —", a.speaker, []);
    fillEntitySelect($("ct-ws-origin-entity"), "— none —", a.origin_entity, []);
    fillEntitySelect($("ct-ws-origin-document"), "— none —", a.origin_document, []);
    await loadSuggestions();
    if (editing !== a) return;
    showClaims(suggested.claims, a.claim);
    fillEntitySelect($("ct-ws-speaker"), "— the document itself —", a.speaker, suggested.entities);
    fillEntitySelect($("ct-ws-origin-entity"), "— none —", a.origin_entity, suggested.entities);
    fillEntitySelect($("ct-ws-origin-document"), "— none —", a.origin_document, suggested.documents);
    showSubjects(suggested.entities);
  }

  function close(message) {
    editing = null;
    selection = null;
    form.hidden = true;
    idle.hidden = false;
    $("ct-ws-flash").replaceChildren();
    if (message) {
      const p = document.createElement("p");
      p.className = "ct-ws-status";
      p.textContent = message;
      $("ct-ws-flash").appendChild(p);
    }
    window.getSelection().removeAllRanges();
    render();
  }

  $("ct-ws-cancel").addEventListener("click", () => close(""));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !form.hidden) close("");
  });

  // claims: a search box, answered by the API's search (every spelling)
  let claimTimer = null;
  $("ct-ws-claim-search").addEventListener("input", (event) => {
    clearTimeout(claimTimer);
    const q = event.target.value.trim();
    claimTimer = setTimeout(async () => {
      if (!q) {
        showClaims(suggested.claims, editing ? editing.claim : null);
        return;
      }
      const response = await fetch(`${data.urls.claims}?search=${encodeURIComponent(q)}&page_size=10`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const found = (await response.json()).results.map((c) => ({ id: c.id, label: c.statement, why: "found" }));
      showClaims(found, null);
    }, 250);
  });
  $("ct-ws-claim-search").addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault(); // Enter in the box searches; it does not save
  });

  // entities: one search box fills both pickers
  let entityTimer = null;
  $("ct-ws-entity-search").addEventListener("input", (event) => {
    clearTimeout(entityTimer);
    const q = event.target.value.trim();
    entityTimer = setTimeout(async () => {
      if (!q) return;
      const response = await fetch(`${data.urls.entities}?name=${encodeURIComponent(q)}&page_size=10`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const found = (await response.json()).results.map((e) => ({ id: e.id, label: e.name, why: "found" }));
      const all = [...found, ...suggested.entities];
      fillEntitySelect($("ct-ws-speaker"), "— the document itself —", null, all);
      fillEntitySelect($("ct-ws-origin-entity"), "— none —", null, all);
    }, 250);
  });
  $("ct-ws-entity-search").addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault();
  });

  form.addEventListener("change", (event) => {
    if (event.target.name === "claim") {
      const newBox = $("ct-ws-new");
      if (newBox) newBox.hidden = event.target.value !== "new";
      if (event.target.value === "new") $("ct-ws-statement").focus();
    }
  });

  // --- saving -------------------------------------------------------------------------------------

  async function api(method, url, payload, version, kind) {
    const headers = { "X-CSRFToken": csrf, Accept: "application/json" };
    if (payload !== undefined) headers["Content-Type"] = "application/json";
    if (version !== undefined) headers["If-Match"] = `"${kind}-${url.match(/(\d+)\/$/)[1]}-v${version}"`;
    const response = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    let json = null;
    if (response.status !== 204) {
      try {
        json = await response.json();
      } catch (error) {
        json = { detail: `The server answered ${response.status}.` };
      }
    }
    return { status: response.status, json, etag: response.headers.get("ETag") };
  }

  async function versionOf(id, etag) {
    // the version a saved row is at, from its ETag ("attestation-12-v3"): the next change names it
    let tag = etag;
    if (!tag) {
      const response = await fetch(`${data.urls.attestations}${id}/`, { credentials: "same-origin" });
      tag = response.headers.get("ETag");
    }
    const found = tag && tag.match(/-v(\d+)"?$/);
    return found ? Number(found[1]) : null;
  }

  function regradedText(json) {
    const moves = (json && json.regraded) || [];
    if (!moves.length) return "";
    return " Regraded: " + moves.map((m) => `#${m.claim} from ${m.from} to ${m.to}`).join("; ") + ".";
  }

  const idOrNull = (select) => (select.value ? Number(select.value) : null);

  async function save(event) {
    event.preventDefault();
    if (!data.may_edit) return;
    setErrors([]);
    const chosen = form.querySelector("input[name=claim]:checked");
    if (!chosen) {
      setErrors(["Choose the claim this quote attests, or a new claim."]);
      return;
    }
    const saveButton = $("ct-ws-save");
    saveButton.disabled = true;
    try {
      let claimId = chosen.value === "new" ? null : Number(chosen.value);
      let created = null;
      if (claimId === null) {
        const subjects = [...document.querySelectorAll("#ct-ws-subjects input:checked")].map((i) => Number(i.value));
        const reply = await api("POST", data.urls.claims, {
          statement: $("ct-ws-statement").value,
          language: $("ct-ws-language").value,
          subjects,
        });
        if (reply.status !== 201) {
          setErrors(errorsOf(reply.json).map((line) => `New claim: ${line}`));
          return;
        }
        created = reply.json;
        claimId = created.id;
      }
      const payload = {
        claim: claimId,
        document: data.document.id,
        quote: sliceByPoints(selection.start, selection.end),
        start: selection.start,
        end: selection.end,
        speaker: idOrNull($("ct-ws-speaker")),
        origin_entity: idOrNull($("ct-ws-origin-entity")),
        origin_document: idOrNull($("ct-ws-origin-document")),
        stance: form.querySelector("input[name=stance]:checked").value,
        modality: $("ct-ws-modality").value,
        note: $("ct-ws-note").value,
      };
      const reply = editing
        ? await api("PATCH", `${data.urls.attestations}${editing.id}/`, payload, editing.version, "attestation")
        : await api("POST", data.urls.attestations, payload);
      if (reply.status !== 200 && reply.status !== 201) {
        if (created) {
          // nothing half-written: the claim made for this quote goes with it
          await api("DELETE", `${data.urls.claims}${created.id}/`);
        }
        const stale = reply.status === 412 || reply.status === 404;
        setErrors(
          stale
            ? ["Someone else changed or deleted this quote since you opened it: nothing of yours was saved. Reload the page to see their change."]
            : errorsOf(reply.json),
        );
        return;
      }
      const saved = fromApi(reply.json);
      saved.version = await versionOf(saved.id, reply.etag);
      attestations = attestations.filter((a) => a.id !== saved.id).concat([saved]);
      attestations.sort((x, y) => x.start - y.start || x.end - y.end || x.id - y.id);
      close(`Saved quote #${saved.id} of claim #${saved.claim.id}.${regradedText(reply.json)}`);
    } finally {
      saveButton.disabled = false;
    }
  }

  function fromApi(json) {
    const claim = json.claim && typeof json.claim === "object" ? json.claim : { id: json.claim, statement: "" };
    const known = attestations.find((a) => a.claim.id === claim.id);
    const chosenLabel = document.querySelector(`label[for=ct-ws-claim-${claim.id}]`);
    const statement = claim.statement || (known && known.claim.statement) || (chosenLabel ? chosenLabel.textContent.replace(/^\s*#\d+\s*/, "") : $("ct-ws-statement") ? $("ct-ws-statement").value : "");
    const named = (select) => (select.value ? { id: Number(select.value), name: select.selectedOptions[0].textContent.split(" — ")[0] } : null);
    return {
      id: json.id,
      start: json.start,
      end: json.end,
      quote: json.quote,
      claim: { id: claim.id, statement },
      speaker: json.speaker && typeof json.speaker === "object" ? json.speaker : named($("ct-ws-speaker")),
      origin_entity: json.origin_entity && typeof json.origin_entity === "object" ? json.origin_entity : named($("ct-ws-origin-entity")),
      origin_document: json.origin_document && typeof json.origin_document === "object" ? json.origin_document : null,
      stance: json.stance,
      modality: json.modality,
      note: json.note || "",
      version: json.version,
    };
  }

  form.addEventListener("submit", save);

  $("ct-ws-delete").addEventListener("click", async () => {
    if (!editing || !window.confirm(`Delete quote #${editing.id}? The claim stays.`)) return;
    const reply = await api("DELETE", `${data.urls.attestations}${editing.id}/`, undefined, editing.version, "attestation");
    if (reply.status !== 204) {
      setErrors(reply.status === 412 ? ["Someone else changed this quote since you opened it: reload the page."] : errorsOf(reply.json));
      return;
    }
    const gone = editing.id;
    attestations = attestations.filter((a) => a.id !== gone);
    close(`Deleted quote #${gone}.`);
  });

  render();
  // a link to one quote (#a12, from the document page) opens it
  const linked = window.location.hash.match(/^#a(\d+)$/);
  if (linked) {
    const a = attestations.find((item) => item.id === Number(linked[1]));
    if (a) {
      openExisting(a);
      const mark = bodyEl.querySelector(`mark[data-ids~="${a.id}"]`);
      if (mark) mark.scrollIntoView({ block: "center" });
    }
  }
})();
