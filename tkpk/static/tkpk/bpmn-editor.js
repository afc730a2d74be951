// The map editor: a bpmn-js Modeler loaded with a stored version. "Save as draft" and "Publish"
// send the diagram (saveXML) with the change note to the upload view, which answers JSON:
// {ok: true, url} or {ok: false, problems: [...]}. The answer is shown under the diagram, which
// stays as it is, so the user can correct it and save again.
(function () {
  "use strict";
  const holder = document.getElementById("bpmn-editor");
  if (!holder || typeof BpmnJS === "undefined") return;
  const config = JSON.parse(document.getElementById("editor-config").textContent);
  const form = document.getElementById("editor-form");
  const note = document.getElementById("editor-note");
  const result = document.getElementById("editor-result");
  const buttons = form.querySelectorAll("[data-save]");
  const messages = document.getElementById("editor-messages").content;
  const modeler = new BpmnJS({ container: holder });
  let dirty = false;

  function msg(key) {
    const el = messages.querySelector(`[data-msg="${key}"]`);
    return el ? el.textContent.trim() : key;
  }

  function csrfToken() {
    try {
      const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (_err) {
      // fall back to the cookie
    }
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function show(kind, text, items, link) {
    result.replaceChildren();
    const box = document.createElement("div");
    box.className = `alert alert-${kind} mb-0`;
    box.setAttribute("data-testid", kind === "success" ? "editor-saved" : "editor-problems");
    const line = document.createElement("p");
    line.className = items && items.length ? "mb-1" : "mb-0";
    line.textContent = text;
    if (link) {
      const a = document.createElement("a");
      a.href = link;
      a.className = "ms-2";
      a.textContent = msg("open");
      line.append(a);
    }
    box.append(line);
    if (items && items.length) {
      const list = document.createElement("ul");
      list.className = "mb-0";
      items.forEach((item) => {
        const li = document.createElement("li");
        li.textContent = item;
        list.append(li);
      });
      box.append(list);
    }
    result.append(box);
  }

  function setBusy(busy) {
    buttons.forEach((b) => {
      b.disabled = busy;
    });
  }

  async function save(publish) {
    setBusy(true);
    show("info", msg("saving"));
    try {
      const { xml } = await modeler.saveXML({ format: true });
      const body = new FormData();
      body.append("xml", xml);
      body.append("change_note", note.value);
      if (publish) body.append("publish", "on");
      const response = await fetch(config.save_url, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      });
      const answer = await response.json();
      if (answer.ok) {
        dirty = false;
        show("success", msg(publish ? "published" : "draft"), [], answer.url);
      } else {
        show("danger", msg("problems"), answer.problems || []);
      }
    } catch (err) {
      show("danger", msg("failed"), [String(err.message || err)]);
    } finally {
      setBusy(false);
    }
  }

  buttons.forEach((button) => {
    button.addEventListener("click", () => save(button.dataset.save === "publish"));
  });
  form.addEventListener("submit", (event) => event.preventDefault());

  modeler.on("commandStack.changed", () => {
    dirty = true;
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty) {
      event.preventDefault();
      event.returnValue = msg("leave");
    }
  });

  // Fit the whole map, leaving the palette (on the left) clear of it.
  function fit() {
    const canvas = modeler.get("canvas");
    canvas.zoom("fit-viewport", "auto");
    const palette = holder.querySelector(".djs-palette");
    const pad = palette ? palette.offsetWidth + 16 : 0;
    const box = canvas.viewbox();
    if (!pad || !box.inner.width || !box.inner.height) return;
    const scale = Math.min(
      1,
      (box.outer.width - pad - 8) / box.inner.width,
      (box.outer.height - 16) / box.inner.height,
    );
    canvas.viewbox({
      x: box.inner.x - pad / scale,
      y: box.inner.y - (box.outer.height / scale - box.inner.height) / 2,
      width: box.outer.width / scale,
      height: box.outer.height / scale,
    });
  }

  const loading = config.xml ? modeler.importXML(config.xml) : modeler.createDiagram();
  loading
    .then(() => {
      fit();
      setBusy(false);
      holder.dataset.rendered = "true";
    })
    .catch((err) => {
      holder.dataset.rendered = "error";
      show("danger", `${holder.dataset.errorText || ""} ${err.message}`);
    });
})();
